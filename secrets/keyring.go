// Package secrets keeps secret values unreadable outside the processes that
// need them: secret action inputs are sealed field by field (bound to their
// run and input), and every Temporal payload is encrypted by a codec. Both
// use AES-256-GCM with one keyring: the current key encrypts, older keys
// only decrypt, so a key rotates without rewriting what was stored.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// ErrUnknownKey means the data was encrypted with a key the keyring lacks
// (a key rotated out too early, or another installation's data).
var ErrUnknownKey = errors.New("encrypted with a key that is not configured")

// ErrTampered means the ciphertext, or what it is bound to, was changed.
var ErrTampered = errors.New("does not decrypt: changed, or moved from another run or input")

// Keyring holds the current key and the old keys that still decrypt.
type Keyring struct {
	current key
	byID    map[string]key
}

type key struct {
	id   string
	aead cipher.AEAD
}

// NewKeyring builds a keyring that encrypts with current and decrypts with
// current and every old key.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	cur, err := newKey(current)
	if err != nil {
		return nil, err
	}
	k := &Keyring{current: cur, byID: map[string]key{cur.id: cur}}
	for _, raw := range old {
		o, err := newKey(raw)
		if err != nil {
			return nil, err
		}
		if _, dup := k.byID[o.id]; !dup {
			k.byID[o.id] = o
		}
	}
	return k, nil
}

func newKey(raw []byte) (key, error) {
	if len(raw) != KeySize {
		return key{}, fmt.Errorf("must be %d bytes, got %d", KeySize, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	return key{id: KeyID(raw), aead: aead}, nil
}

// KeyID names a key in ciphertexts without revealing it: the first 8 hex
// digits of its SHA-256, enough to pick among a handful of keys.
func KeyID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:4])
}

// CurrentKeyID is the id of the key that encrypts.
func (k *Keyring) CurrentKeyID() string { return k.current.id }

// DecodeKey reads a key written as base64 (standard or URL alphabet,
// padded or not), as operators paste it from `head -c 32 /dev/urandom | base64`.
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("must be base64 of %d bytes, got %d bytes", KeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("must be base64 of %d bytes", KeySize)
}

// GenerateKey returns a new random key, base64-encoded.
func GenerateKey() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// seal encrypts plaintext bound to aad with the current key; the result is
// the nonce followed by the ciphertext.
func (k *Keyring) seal(plaintext, aad []byte) (keyID string, sealed []byte, err error) {
	nonce := make([]byte, k.current.aead.NonceSize(), k.current.aead.NonceSize()+len(plaintext)+k.current.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return k.current.id, k.current.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// open decrypts what seal returned with the key named keyID.
func (k *Keyring) open(keyID string, sealed, aad []byte) ([]byte, error) {
	key, ok := k.byID[keyID]
	if !ok {
		return nil, fmt.Errorf("key %s: %w", keyID, ErrUnknownKey)
	}
	n := key.aead.NonceSize()
	if len(sealed) < n+key.aead.Overhead() {
		return nil, ErrTampered
	}
	plain, err := key.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrTampered
	}
	return plain, nil
}
