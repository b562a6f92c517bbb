package secrets_test

import (
	"bytes"
	"errors"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/slipwayhq/slipway/secrets"
)

func TestCodecEncryptsPayloadsAndRoundTrips(t *testing.T) {
	k := keyring(t, newKey(t))
	dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), secrets.Codec{Keys: k})
	in := map[string]any{"password": "hunter2", "n": 3.0}
	payloads, err := dc.ToPayloads(in, "second")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range payloads.GetPayloads() {
		if !secrets.IsEncryptedPayload(p) || string(p.GetMetadata()["encryption-key-id"]) != k.CurrentKeyID() {
			t.Errorf("payload %d metadata %v", i, p.GetMetadata())
		}
		if bytes.Contains(p.GetData(), []byte("hunter2")) || bytes.Contains(p.GetData(), []byte("json/plain")) {
			t.Errorf("payload %d is readable: %q", i, p.GetData())
		}
	}
	var out map[string]any
	var second string
	if err := dc.FromPayloads(payloads, &out, &second); err != nil {
		t.Fatal(err)
	}
	if out["password"] != "hunter2" || out["n"] != 3.0 || second != "second" {
		t.Errorf("round trip gave %v %q", out, second)
	}
}

func TestCodecPassesPlainPayloadsThrough(t *testing.T) {
	codec := secrets.Codec{Keys: keyring(t, newKey(t))}
	plain, err := converter.GetDefaultDataConverter().ToPayload("recorded before encryption")
	if err != nil {
		t.Fatal(err)
	}
	got, err := codec.Decode([]*commonpb.Payload{plain})
	if err != nil || got[0] != plain {
		t.Fatalf("plain payload decoded to %v (%v)", got, err)
	}
}

func TestCodecRefusesTamperedAndUnknownKeyPayloads(t *testing.T) {
	oldKey := newKey(t)
	codec := secrets.Codec{Keys: keyring(t, oldKey)}
	p, _ := converter.GetDefaultDataConverter().ToPayload("x")
	enc, err := codec.Encode([]*commonpb.Payload{p})
	if err != nil {
		t.Fatal(err)
	}
	bad := &commonpb.Payload{Metadata: enc[0].GetMetadata(), Data: bytes.Clone(enc[0].GetData())}
	bad.Data[len(bad.Data)-1] ^= 1
	if _, err := codec.Decode([]*commonpb.Payload{bad}); !errors.Is(err, secrets.ErrTampered) {
		t.Errorf("tampered payload: %v", err)
	}
	rotated := secrets.Codec{Keys: keyring(t, newKey(t), oldKey)}
	if got, err := rotated.Decode(enc); err != nil || string(got[0].GetData()) != `"x"` {
		t.Errorf("old key payload: %v %v", got, err)
	}
	if _, err := (secrets.Codec{Keys: keyring(t, newKey(t))}).Decode(enc); !errors.Is(err, secrets.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
}
