package workflows_test

import (
	"testing"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
)

// A run's secret inputs arrive sealed: the workflow's second validation
// accepts them (their plaintext was checked when the run started), and it
// passes them on sealed, for the webhook activity alone to open.
func TestSealedSecretInputsPassThroughTheWorkflow(t *testing.T) {
	d, err := actions.Parse([]byte(`{"identifier": "rotate", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"password": {"type": "string", "encryption": "aes256-gcm", "pattern": "^hunter2"}}, "required": ["password"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "http://backend.invalid/hook", "synchronized": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := secrets.GenerateKey()
	raw, _ := secrets.DecodeKey(key)
	keys, _ := secrets.NewKeyring(raw)
	h := newHarness(t, d)
	sealed, err := keys.SealInput(h.in.RunID, "password", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	h.in.Inputs = map[string]any{"password": sealed}
	if s := h.execute(); s.Status != runs.StatusSuccess {
		t.Fatalf("final state %+v", s)
	}
	if inputs, _ := h.payloads[0]["inputs"].(map[string]any); inputs["password"] != sealed {
		t.Errorf("the backend call got inputs %v, want the sealed password", inputs)
	}

	// A plaintext value is still validated as ever.
	h = newHarness(t, d)
	h.in.Inputs = map[string]any{"password": "not-hunter"}
	if s := h.execute(); s.Status != runs.StatusFailure {
		t.Errorf("a bad plaintext password: %+v", s)
	}
}
