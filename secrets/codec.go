package secrets

import (
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload: the encoding Temporal's tools know as
// encrypted, and the id of the key that encrypted it.
const (
	EncodingEncrypted = "binary/encrypted"
	metadataEncoding  = converter.MetadataEncoding
	metadataKeyID     = "encryption-key-id"
)

// payloadAAD keeps payload ciphertexts apart from sealed input values.
var payloadAAD = []byte("slipway/payload/v1")

// Codec encrypts whole Temporal payloads, so workflow inputs, results,
// updates and queries are ciphertext in the history. Payloads not marked
// encrypted decode as they are: histories written before encryption was
// turned on still replay.
type Codec struct {
	Keys *Keyring
}

var _ converter.PayloadCodec = Codec{}

// Encode encrypts each payload (metadata and data) with the current key.
func (c Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("encrypt payload %d: %w", i, err)
		}
		keyID, sealed, err := c.Keys.seal(plain, payloadAAD)
		if err != nil {
			return payloads, fmt.Errorf("encrypt payload %d: %w", i, err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{metadataEncoding: []byte(EncodingEncrypted), metadataKeyID: []byte(keyID)},
			Data:     sealed,
		}
	}
	return out, nil
}

// Decode decrypts the payloads marked encrypted and passes the others through.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !IsEncryptedPayload(p) {
			out[i] = p
			continue
		}
		plain, err := c.Keys.open(string(p.GetMetadata()[metadataKeyID]), p.GetData(), payloadAAD)
		if err != nil {
			return payloads, fmt.Errorf("decrypt payload %d: %w", i, err)
		}
		var decoded commonpb.Payload
		if err := proto.Unmarshal(plain, &decoded); err != nil {
			return payloads, fmt.Errorf("decrypt payload %d: %w", i, ErrTampered)
		}
		out[i] = &decoded
	}
	return out, nil
}

// IsEncryptedPayload reports whether p is marked as encrypted by Codec.
func IsEncryptedPayload(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[metadataEncoding]) == EncodingEncrypted
}
