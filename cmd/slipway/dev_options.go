//go:build !slipway_lean

package main

import sdktrace "go.opentelemetry.io/otel/sdk/trace"

// devOptions are what tests may change in a dev stack beyond its config.
type devOptions struct {
	// spans receives every span the stack makes, in place of the OTLP
	// exporter OTEL_EXPORTER_OTLP_ENDPOINT names.
	spans sdktrace.SpanExporter
}

type devOption func(*devOptions)

// withSpanExporter turns tracing on, exporting to e.
func withSpanExporter(e sdktrace.SpanExporter) devOption {
	return func(o *devOptions) { o.spans = e }
}
