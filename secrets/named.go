package secrets

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// namedPrefix starts every sealed named secret (the secret store's values,
// issue #11); the key id and the base64 of nonce + ciphertext follow. It
// differs from sealed inputs' prefix, so neither passes for the other.
const namedPrefix = "slipway:secret:v1:"

// SealNamed encrypts the value of the secret called name, bound to that
// name: copied onto another secret's row, it no longer decrypts.
func (k *Keyring) SealNamed(name, value string) (string, error) {
	keyID, sealed, err := k.seal([]byte(value), namedAAD(name))
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	return namedPrefix + keyID + ":" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// OpenNamed decrypts what SealNamed returned for the same name, with the
// current key or an old one (rotation).
func (k *Keyring) OpenNamed(name, sealed string) (string, error) {
	keyID, raw, err := splitNamed(sealed)
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	plain, err := k.open(keyID, raw, namedAAD(name))
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	return string(plain), nil
}

// NamedKeyID is the id of the key a sealed named secret was encrypted with.
func NamedKeyID(sealed string) string {
	keyID, _, _ := splitNamed(sealed)
	return keyID
}

func splitNamed(sealed string) (string, []byte, error) {
	rest, ok := strings.CutPrefix(sealed, namedPrefix)
	keyID, data, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return "", nil, ErrTampered
	}
	raw, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil {
		return "", nil, ErrTampered
	}
	return keyID, raw, nil
}

func namedAAD(name string) []byte { return []byte("slipway/secret/v1\x00" + name) }
