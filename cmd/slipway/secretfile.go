package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
)

// ensureSecretFile returns the secret kept in path, creating it on first use
// so that restarts keep signing with the same key.
func ensureSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(buf)
	return secret, os.WriteFile(path, []byte(secret+"\n"), 0o600)
}
