package temporalclient

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// Option adjusts the client Dial builds.
type Option func(*client.Options)

// WithPayloadCodec passes every payload the client and its workers write
// (workflow and activity inputs and results, updates, queries) through
// codec, and failure messages and stack traces too: an error text may quote
// what a payload holds. Search attributes stay readable, as visibility needs.
func WithPayloadCodec(codec converter.PayloadCodec) Option {
	return func(o *client.Options) {
		dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec)
		o.DataConverter = dc
		o.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: dc, EncodeCommonAttributes: true,
		})
	}
}
