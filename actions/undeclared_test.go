package actions_test

import (
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

// A key the schema does not declare is named with whose schema it is.
func TestUndeclaredKeysSayWhoseSchemaItIs(t *testing.T) {
	ui := actions.UserInputs{Properties: map[string]actions.Input{
		"tag":    {"type": "string"},
		"config": {"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string"}}, "additionalProperties": false},
	}}
	messages := func(s *actions.InputSchema, err error) map[string]string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return applyMessages(t, s, map[string]any{"colour": "red", "config": map[string]any{"b": "x"}})
	}
	d := actions.Definition{Trigger: actions.Trigger{UserInputs: ui}}
	got := messages(d.Schema())
	if got["inputs.colour"] != "is not an input of this action" || got["inputs.config.b"] != "is not a property of this object" {
		t.Errorf("an action's form: %v", got)
	}
	got = messages(actions.CompileSchema(ui, "blueprint service"))
	if got["inputs.colour"] != "is not a property of blueprint service" || got["inputs.config.b"] != "is not a property of this object" {
		t.Errorf("a blueprint's schema: %v", got)
	}
}
