package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Token values look like "slw_<43 base64url chars>": the prefix makes leaked
// tokens easy to spot by secret scanners and in logs.
const tokenPrefix = "slw_"

// newSecret returns a fresh random secret with the given prefix and its hash.
// Only the hash is stored.
func newSecret(prefix string) (value string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	value = prefix + base64.RawURLEncoding.EncodeToString(b)
	return value, hashSecret(value)
}

// hashSecret hashes a high-entropy secret. SHA-256 suffices: the secrets are
// random 256-bit values, not passwords, so there is nothing to brute-force.
func hashSecret(value string) []byte {
	h := sha256.Sum256([]byte(value))
	return h[:]
}

// runTokenPrefix marks per-run tokens, which backends use to report on one run.
const runTokenPrefix = "slr_"

// NewRunToken returns a per-run token and its hash.
func NewRunToken() (string, []byte) { return newSecret(runTokenPrefix) }

// IsRunToken reports whether a bearer token is a per-run token.
func IsRunToken(token string) bool {
	return len(token) > len(runTokenPrefix) && token[:len(runTokenPrefix)] == runTokenPrefix
}

// HashRunToken hashes a per-run token for lookup.
func HashRunToken(token string) []byte { return hashSecret(token) }
