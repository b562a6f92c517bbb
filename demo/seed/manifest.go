package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// manifest records what the seed wrote, as a fingerprint of each stored
// definition. It is how a later start tells "the seed's own, untouched"
// (safe to bring up to date) from "changed by a user" (left alone).
type manifest struct {
	Blueprints map[string]string `json:"blueprints"`
	Actions    map[string]string `json:"actions"`
	// Entities are seeded once: runs change and delete them, and bringing
	// one back on every start would undo the demo.
	Entities map[string]bool `json:"entities"`
}

func loadManifest(path string) (manifest, error) {
	m := manifest{Blueprints: map[string]string{}, Actions: map[string]string{}, Entities: map[string]bool{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: not a seed manifest (delete it to seed afresh): %w", path, err)
	}
	for _, p := range []*map[string]string{&m.Blueprints, &m.Actions} {
		if *p == nil {
			*p = map[string]string{}
		}
	}
	if m.Entities == nil {
		m.Entities = map[string]bool{}
	}
	return m, nil
}

func (m manifest) save(path string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	// Written aside and renamed, so a crash never leaves half a manifest.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// fingerprint identifies a definition's content: both sides go through the
// same Go type, so equal content gives equal JSON (map keys are sorted).
func fingerprint(v any) string {
	b, _ := json.Marshal(v) // definitions hold JSON values only
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
