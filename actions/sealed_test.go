package actions_test

import (
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

func TestSealedSecretInputsPassRevalidation(t *testing.T) {
	d, err := actions.Parse([]byte(`{"identifier": "rotate", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {
	    "password": {"type": "string", "encryption": "aes256-gcm", "pattern": "^[a-z]+$", "minLength": 6},
	    "config": {"type": "object", "encryption": "aes256-gcm"},
	    "tag": {"type": "string", "pattern": "^v"}},
	  "required": ["password"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "https://ci.example.com/hook"}}`))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := d.Schema()
	if err != nil {
		t.Fatal(err)
	}
	isSealed := func(v any) bool { s, ok := v.(string); return ok && strings.HasPrefix(s, "sealed:") }
	if _, err := schema.ApplySealed(map[string]any{"password": "sealed:XYZ", "config": "sealed:ABC", "tag": "v1"}, isSealed); err != nil {
		t.Errorf("sealed secrets refused: %v", err)
	}
	// Only secret inputs relax, only when sealed; required still applies.
	for _, in := range []map[string]any{
		{"password": "sealed:XYZ", "tag": "sealed:x"},
		{"password": "UPPER"},
		{"config": "sealed:ABC"},
	} {
		if _, err := schema.ApplySealed(in, isSealed); err == nil {
			t.Errorf("accepted %v", in)
		}
	}
	if !d.Trigger.UserInputs.Properties["password"].Secret() || d.Trigger.UserInputs.Properties["tag"].Secret() {
		t.Error("Secret() misreads the encryption keyword")
	}
}
