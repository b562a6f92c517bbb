package secrets_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/secrets"
)

func TestNamedSecretsRoundTripBoundToTheirName(t *testing.T) {
	k := keyring(t, newKey(t))
	sealed, err := k.SealNamed("GITHUB_TOKEN", "ghp_hunter2")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "hunter2") || secrets.IsSealed(sealed) || secrets.NamedKeyID(sealed) != k.CurrentKeyID() {
		t.Fatalf("sealed as %q", sealed)
	}
	if got, err := k.OpenNamed("GITHUB_TOKEN", sealed); err != nil || got != "ghp_hunter2" {
		t.Fatalf("opened as %q (%v)", got, err)
	}
	if _, err := k.OpenNamed("OTHER", sealed); !errors.Is(err, secrets.ErrTampered) {
		t.Errorf("opened under another name: %v", err)
	}
	input, _ := k.SealInput("run-1", "GITHUB_TOKEN", "x")
	if _, err := k.OpenNamed("GITHUB_TOKEN", input); !errors.Is(err, secrets.ErrTampered) {
		t.Errorf("a sealed input opened as a named secret: %v", err)
	}
}

// Rotation: a secret sealed under the old key opens while that key is
// among SLIPWAY_ENCRYPTION_KEYS_OLD, and not once it is dropped.
func TestNamedSecretsSurviveKeyRotation(t *testing.T) {
	oldKey, newKey := newKey(t), newKey(t)
	sealed, err := keyring(t, oldKey).SealNamed("TOKEN", "v1")
	if err != nil {
		t.Fatal(err)
	}
	rotated := keyring(t, newKey, oldKey)
	if got, err := rotated.OpenNamed("TOKEN", sealed); err != nil || got != "v1" {
		t.Fatalf("after rotation: %q (%v)", got, err)
	}
	if _, err := keyring(t, newKey).OpenNamed("TOKEN", sealed); !errors.Is(err, secrets.ErrUnknownKey) {
		t.Errorf("without the old key: %v", err)
	}
}
