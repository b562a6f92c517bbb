package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// envState is what the demo "runs" for an environment: a state file, the
// stand-in for real infrastructure.
type envState struct {
	Name       string `json:"name"`
	Service    string `json:"service"`
	Version    string `json:"version"`
	Replicas   int    `json:"replicas"`
	CreatedBy  string `json:"createdBy,omitempty"`
	CreatedAt  string `json:"createdAt"`
	ExpiresAt  string `json:"expiresAt,omitempty"`
	DeployedAt string `json:"deployedAt,omitempty"`
}

var errNoEnvState = errors.New("no state file")

func (b *Backend) envPath(name string) string {
	return filepath.Join(b.dir, "environments", name+".json")
}

func (b *Backend) readEnv(name string) (envState, error) {
	var st envState
	raw, err := os.ReadFile(b.envPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return st, errNoEnvState
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return st, fmt.Errorf("state of environment %s is not JSON: %w", name, err)
	}
	return st, nil
}

func (b *Backend) writeEnv(st envState) error {
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(b.envPath(st.Name), append(raw, '\n'))
}

// writeFileAtomic replaces path in one step, so a crash never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
