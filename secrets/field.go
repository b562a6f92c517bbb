package secrets

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// sealedPrefix starts every sealed input value; the key id and the base64
// of nonce + ciphertext follow, separated by colons.
const sealedPrefix = "slipway:enc:v1:"

// Mask is what people see instead of a secret value.
const Mask = "••••••"

// IsSealed reports whether v is a sealed input value. It is a pure string
// check, so workflow code may call it.
func IsSealed(v any) bool {
	s, ok := v.(string)
	return ok && strings.HasPrefix(s, sealedPrefix)
}

// SealInput encrypts one input value (any JSON value) into an opaque
// string bound to its run and input name: moved to another run or field,
// it no longer decrypts.
func (k *Keyring) SealInput(runID, name string, value any) (string, error) {
	plain, err := json.Marshal(value)
	if err != nil {
		return "", fmt.Errorf("input %s: not a JSON value", name)
	}
	keyID, sealed, err := k.seal(plain, inputAAD(runID, name))
	if err != nil {
		return "", fmt.Errorf("input %s: %w", name, err)
	}
	return sealedPrefix + keyID + ":" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// OpenInput decrypts what SealInput returned for the same run and input.
func (k *Keyring) OpenInput(runID, name, sealed string) (any, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	keyID, data, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return nil, fmt.Errorf("input %s: not a sealed value", name)
	}
	raw, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", name, ErrTampered)
	}
	plain, err := k.open(keyID, raw, inputAAD(runID, name))
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", name, err)
	}
	var v any
	if err := json.Unmarshal(plain, &v); err != nil {
		return nil, fmt.Errorf("input %s: %w", name, ErrTampered)
	}
	return v, nil
}

// inputAAD binds a sealed input to its run and name. The NUL separators
// keep ("a", "bc") apart from ("ab", "c").
func inputAAD(runID, name string) []byte {
	return []byte("slipway/input/v1\x00" + runID + "\x00" + name)
}

// MaskInputs returns inputs with every sealed value shown as Mask.
func MaskInputs(inputs map[string]any) map[string]any {
	if inputs == nil {
		return nil
	}
	out := make(map[string]any, len(inputs))
	for k, v := range inputs {
		if IsSealed(v) {
			v = Mask
		}
		out[k] = v
	}
	return out
}
