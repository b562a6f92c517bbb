package testkit

import (
	"testing"

	"github.com/slipwayhq/slipway/secrets"
)

// NewKey is a fresh random encryption key, as SLIPWAY_ENCRYPTION_KEY holds it decoded.
func NewKey(tb testing.TB) []byte {
	tb.Helper()
	s, err := secrets.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	k, err := secrets.DecodeKey(s)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// Keyring encrypts with current and decrypts with it and old, as a keyring
// after a rotation does; with no keys given it uses a fresh one.
func Keyring(tb testing.TB, current []byte, old ...[]byte) *secrets.Keyring {
	tb.Helper()
	if current == nil {
		current = NewKey(tb)
	}
	k, err := secrets.NewKeyring(current, old...)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
