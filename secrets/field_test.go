package secrets_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/secrets"
)

func newKey(t *testing.T) []byte {
	t.Helper()
	s, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := secrets.DecodeKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyring(t *testing.T, current []byte, old ...[]byte) *secrets.Keyring {
	t.Helper()
	k, err := secrets.NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealedInputsRoundTripAndHideTheValue(t *testing.T) {
	k := keyring(t, newKey(t))
	for _, v := range []any{"hunter2", 42.0, true, map[string]any{"user": "ci", "password": "hunter2"}, []any{"a", "b"}} {
		sealed, err := k.SealInput("run-1", "password", v)
		if err != nil {
			t.Fatal(err)
		}
		if !secrets.IsSealed(sealed) || strings.Contains(sealed, "hunter2") || !strings.Contains(sealed, ":"+k.CurrentKeyID()+":") {
			t.Fatalf("sealed %v as %q", v, sealed)
		}
		got, err := k.OpenInput("run-1", "password", sealed)
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Fatalf("opened %v as %v (%v)", v, got, err)
		}
	}
	a, _ := k.SealInput("run-1", "password", "hunter2")
	b, _ := k.SealInput("run-1", "password", "hunter2")
	if a == b {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
}

func TestSealedInputsAreBoundToTheirRunAndInput(t *testing.T) {
	k := keyring(t, newKey(t))
	sealed, err := k.SealInput("run-1", "password", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ run, name string }{{"run-2", "password"}, {"run-1", "token"}, {"run-1\x00password", ""}} {
		if _, err := k.OpenInput(c.run, c.name, sealed); !errors.Is(err, secrets.ErrTampered) {
			t.Errorf("opened in run %q input %q: %v", c.run, c.name, err)
		}
	}
}

func TestTamperedSealedInputsAreRefused(t *testing.T) {
	k := keyring(t, newKey(t))
	sealed, _ := k.SealInput("run-1", "password", "hunter2")
	prefix := sealed[:strings.LastIndex(sealed, ":")+1]
	raw, _ := base64.RawStdEncoding.DecodeString(sealed[len(prefix):])
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 1
		if _, err := k.OpenInput("run-1", "password", prefix+base64.RawStdEncoding.EncodeToString(bad)); !errors.Is(err, secrets.ErrTampered) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
	for _, bad := range []string{prefix, prefix + "!!!", prefix + "AAAA", "hunter2", "slipway:enc:v1:nokeyid"} {
		if _, err := k.OpenInput("run-1", "password", bad); err == nil {
			t.Errorf("opened %q", bad)
		}
	}
}

func TestOldKeysStillDecrypt(t *testing.T) {
	oldKey, newKeyBytes := newKey(t), newKey(t)
	before := keyring(t, oldKey)
	sealed, _ := before.SealInput("run-1", "password", "hunter2")

	rotated := keyring(t, newKeyBytes, oldKey)
	if got, err := rotated.OpenInput("run-1", "password", sealed); err != nil || got != "hunter2" {
		t.Fatalf("after rotation: %v %v", got, err)
	}
	fresh, _ := rotated.SealInput("run-1", "password", "hunter2")
	if !strings.Contains(fresh, ":"+secrets.KeyID(newKeyBytes)+":") {
		t.Errorf("rotated keyring sealed with an old key: %q", fresh)
	}

	dropped := keyring(t, newKeyBytes)
	if _, err := dropped.OpenInput("run-1", "password", sealed); !errors.Is(err, secrets.ErrUnknownKey) || !strings.Contains(err.Error(), secrets.KeyID(oldKey)) {
		t.Errorf("without the old key: %v", err)
	}
}

func TestKeysMustBe32BytesOfBase64(t *testing.T) {
	for _, s := range []string{"", "not base64 at all!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := secrets.DecodeKey(s); err == nil {
			t.Errorf("accepted %q", s)
		}
	}
	raw := bytes.Repeat([]byte{0xfb}, 32)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		if got, err := secrets.DecodeKey(" " + enc.EncodeToString(raw) + "\n"); err != nil || !bytes.Equal(got, raw) {
			t.Errorf("decode %v: %v", enc, err)
		}
	}
	if _, err := secrets.NewKeyring(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key made a keyring")
	}
}

func TestMaskInputsHidesSealedValuesOnly(t *testing.T) {
	k := keyring(t, newKey(t))
	sealed, _ := k.SealInput("run-1", "password", "hunter2")
	got := secrets.MaskInputs(map[string]any{"password": sealed, "tag": "v1", "n": 2.0})
	want := map[string]any{"password": secrets.Mask, "tag": "v1", "n": 2.0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("masked %v", got)
	}
	if secrets.MaskInputs(nil) != nil {
		t.Error("nil inputs became a map")
	}
}
