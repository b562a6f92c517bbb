package actions_test

import (
	"errors"
	"testing"

	"github.com/slipwayhq/slipway"
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
		_, err = s.Apply(map[string]any{"colour": "red", "config": map[string]any{"b": "x"}})
		var e *slipway.Error
		if !errors.As(err, &e) {
			t.Fatalf("want violations, got %v", err)
		}
		out := map[string]string{}
		for _, v := range e.Violations {
			out[v.Field] = v.Message
		}
		return out
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
