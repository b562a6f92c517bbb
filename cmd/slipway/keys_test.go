package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/secrets"
)

func TestDevKeepsOneEncryptionKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption-key")
	first, err := ensureKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.DecodeKey(first); err != nil {
		t.Fatalf("generated key %q: %v", first, err)
	}
	if again, err := ensureKeyFile(path); err != nil || again != first {
		t.Errorf("second start read %q (%v), want the first key", again, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", fi, err)
	}
	// A damaged key file is an error, never silently replaced: that would
	// make everything encrypted so far unreadable.
	if err := os.WriteFile(path, []byte("damaged\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ensureKeyFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("damaged key file: %v", err)
	}
}

func TestWebAndWorkerNeedAnEncryptionKey(t *testing.T) {
	// The key is checked before anything is dialled.
	t.Setenv("DATABASE_URL", "postgres://unused.invalid/slipway")
	t.Setenv("SLIPWAY_WEBHOOK_SECRET", "s3cret")
	good, _ := secrets.GenerateKey()
	for _, c := range []struct{ key, old, want string }{
		{"", "", "SLIPWAY_ENCRYPTION_KEY: is required"},
		{"too-short", "", "SLIPWAY_ENCRYPTION_KEY: must be base64 of 32 bytes"},
		{good, "bad", "SLIPWAY_ENCRYPTION_KEYS_OLD: key 1: must be base64"},
	} {
		t.Setenv("SLIPWAY_ENCRYPTION_KEY", c.key)
		t.Setenv("SLIPWAY_ENCRYPTION_KEYS_OLD", c.old)
		for _, cmd := range []string{"web", "worker"} {
			var errOut bytes.Buffer
			if code := run(context.Background(), []string{cmd}, &bytes.Buffer{}, &errOut); code == 0 || !strings.Contains(errOut.String(), c.want) {
				t.Errorf("%s with key %q, old %q: exit %d: %s", cmd, c.key, c.old, code, errOut.String())
			}
		}
	}
}
