package actions_test

import (
	"errors"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
)

// Each JSON Schema keyword's violation reads as a sentence about the field,
// not the validator's "maximum: got 45, want 30".
func TestViolationsReadInPeoplesWords(t *testing.T) {
	cases := []struct {
		name  string
		input actions.Input
		value any
		want  string
	}{
		{"maximum with minimum", actions.Input{"type": "number", "minimum": 1.0, "maximum": 30.0}, 45.0, "must be 1 to 30"},
		{"minimum with maximum", actions.Input{"type": "number", "minimum": 1.0, "maximum": 30.0}, 0.0, "must be 1 to 30"},
		{"minimum alone", actions.Input{"type": "number", "minimum": 2.5}, 1.0, "must be at least 2.5"},
		{"maximum alone", actions.Input{"type": "number", "maximum": 10.0}, 11.0, "must be at most 10"},
		{"exclusiveMinimum", actions.Input{"type": "number", "exclusiveMinimum": 0.0}, 0.0, "must be more than 0"},
		{"exclusiveMaximum", actions.Input{"type": "number", "exclusiveMaximum": 5.0}, 5.0, "must be less than 5"},
		{"maxLength with minLength", actions.Input{"type": "string", "minLength": 3.0, "maxLength": 8.0}, "much too long", "must be 3 to 8 characters long"},
		{"minLength alone", actions.Input{"type": "string", "minLength": 3.0}, "ab", "must be at least 3 characters long"},
		{"minLength 1", actions.Input{"type": "string", "minLength": 1.0}, "", "must not be empty"},
		{"maxLength alone", actions.Input{"type": "string", "maxLength": 1.0}, "ab", "must be at most 1 character long"},
		{"pattern without description", actions.Input{"type": "string", "pattern": "^[a-z]+$"}, "Ab", "must match the pattern ^[a-z]+$"},
		{"pattern with description", actions.Input{"type": "string", "pattern": "^[a-z]+$", "description": "Lowercase letters only"}, "Ab", "is not in the expected form: Lowercase letters only"},
		{"enum", actions.Input{"type": "string", "enum": []any{"dev", "prod"}}, "qa", `must be one of "dev", "prod"`},
		{"enum of one", actions.Input{"type": "string", "enum": []any{"dev"}}, "qa", `must be "dev"`},
		{"format email", actions.Input{"type": "string", "format": "email"}, "nobody", "must be an email address"},
		{"format url", actions.Input{"type": "string", "format": "url"}, "nowhere", "must be a URL such as https://example.com"},
		{"format date-time", actions.Input{"type": "string", "format": "date-time"}, "soon", "must be a date and time such as 2026-01-31T09:00:00Z"},
		{"type number", actions.Input{"type": "number"}, "five", "must be a number"},
		{"type string", actions.Input{"type": "string"}, 5.0, "must be text"},
		{"type boolean", actions.Input{"type": "boolean"}, "yes", "must be true or false"},
		{"minItems with maxItems", actions.Input{"type": "array", "minItems": 1.0, "maxItems": 3.0}, []any{}, "must have 1 to 3 items"},
		{"maxItems alone", actions.Input{"type": "array", "maxItems": 1.0}, []any{"a", "b"}, "must have at most 1 item"},
		{"minItems alone", actions.Input{"type": "array", "minItems": 2.0}, []any{"a"}, "must have at least 2 items"},
		{"nested item pattern with description", actions.Input{"type": "array", "items": map[string]any{"type": "string", "pattern": "^v", "description": "A tag starting with v"}}, []any{"1.0"}, "is not in the expected form: A tag starting with v"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := messagesFor(t, actions.UserInputs{Properties: map[string]actions.Input{"f": c.input}}, map[string]any{"f": c.value})
			field := "inputs.f"
			if c.input["items"] != nil {
				field = "inputs.f.0"
			}
			if got[field] != c.want {
				t.Errorf("%s = %q, want %q (all: %v)", field, got[field], c.want, got)
			}
		})
	}
}

// Every bad field is named at once, required ones included.
func TestEveryFieldsErrorAtOnce(t *testing.T) {
	ui := actions.UserInputs{
		Properties: map[string]actions.Input{
			"name": {"type": "string", "pattern": "^[a-z]+$"},
			"days": {"type": "number", "minimum": 1.0, "maximum": 14.0},
			"env":  {"type": "string", "enum": []any{"dev", "prod"}},
			"team": {"type": "string"},
		},
		Required: []string{"team"},
	}
	got := messagesFor(t, ui, map[string]any{"name": "Bad Name", "days": 45.0, "env": "qa"})
	want := map[string]string{
		"inputs.name": "must match the pattern ^[a-z]+$",
		"inputs.days": "must be 1 to 14",
		"inputs.env":  `must be one of "dev", "prod"`,
		"inputs.team": "is required",
	}
	for f, m := range want {
		if got[f] != m {
			t.Errorf("%s = %q, want %q", f, got[f], m)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d: %v", len(got), len(want), got)
	}
}

func messagesFor(t *testing.T, ui actions.UserInputs, inputs map[string]any) map[string]string {
	t.Helper()
	s, err := actions.CompileSchema(ui, "test")
	if err != nil {
		t.Fatal(err)
	}
	return applyMessages(t, s, inputs)
}

// applyMessages applies inputs, which must be refused, and returns the
// message for each field.
func applyMessages(t *testing.T, s *actions.InputSchema, inputs map[string]any) map[string]string {
	t.Helper()
	_, err := s.Apply(inputs)
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
