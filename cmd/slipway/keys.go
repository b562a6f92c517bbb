package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/temporalclient"
)

// loadKeyring builds the keyring web and worker encrypt with: secret
// inputs and Temporal payloads are unreadable without it, so there is no
// running without one. Errors name the variable at fault.
func loadKeyring(cfg config.Config) (*secrets.Keyring, error) {
	if cfg.EncryptionKey == "" {
		return nil, slipway.FieldError("SLIPWAY_ENCRYPTION_KEY",
			"is required: it encrypts secret inputs and Temporal payloads (make one with `openssl rand -base64 32`; keep it, or stored runs become unreadable)")
	}
	current, err := secrets.DecodeKey(cfg.EncryptionKey)
	if err != nil {
		return nil, slipway.FieldError("SLIPWAY_ENCRYPTION_KEY", "%v", err)
	}
	var old [][]byte
	for i, s := range strings.Split(cfg.EncryptionKeysOld, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := secrets.DecodeKey(s)
		if err != nil {
			return nil, slipway.FieldError("SLIPWAY_ENCRYPTION_KEYS_OLD", "key %d: %v", i+1, err)
		}
		old = append(old, k)
	}
	return secrets.NewKeyring(current, old...)
}

// codecOption encrypts every Temporal payload the client writes with keys.
func codecOption(keys *secrets.Keyring) temporalclient.Option {
	return temporalclient.WithPayloadCodec(secrets.Codec{Keys: keys})
}

// ensureKeyFile returns the encryption key kept in path, creating it on
// first use: `slipway dev` keeps its data readable across restarts.
func ensureKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if key := strings.TrimSpace(string(b)); key != "" {
			if _, err := secrets.DecodeKey(key); err != nil {
				return "", fmt.Errorf("%s: %w", path, err)
			}
			return key, nil
		}
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	key, err := secrets.GenerateKey()
	if err != nil {
		return "", err
	}
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}
