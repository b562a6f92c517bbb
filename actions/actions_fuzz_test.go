package actions_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
)

// fuzzCallLimit bounds one call under fuzzing: longer is a hang.
const fuzzCallLimit = 5 * time.Second

// within runs fn and fails the test when it takes longer than fuzzCallLimit.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(fuzzCallLimit):
		t.Fatalf("%s did not return within %s", what, fuzzCallLimit)
	}
}

// requireFieldError fails unless err is an invalid *slipway.Error whose
// every violation (or its single field) names a field under prefix.
func requireFieldError(t *testing.T, err error, prefix string) {
	t.Helper()
	var e *slipway.Error
	if !errors.As(err, &e) {
		t.Fatalf("not a *slipway.Error: %T %v", err, err)
	}
	if e.Code != slipway.CodeInvalid {
		t.Fatalf("code %s, want invalid: %v", e.Code, err)
	}
	if len(e.Violations) == 0 && e.Field == "" {
		t.Fatalf("names no field: %v", err)
	}
	for _, v := range e.Violations {
		if v.Field == "" || !strings.HasPrefix(v.Field, prefix) || v.Message == "" {
			t.Fatalf("violation %q: %q does not name a field under %q", v.Field, v.Message, prefix)
		}
	}
}

// FuzzParse: any bytes give a definition or an invalid error naming each
// bad field; an accepted definition is stored as json.Marshal(d) and read
// back with Parse, so that must accept it again, unchanged, and its form
// must compile (a run needs it).
func FuzzParse(f *testing.F) {
	f.Add([]byte(legacyDefinition))
	f.Add([]byte(currentDefinition))
	f.Add([]byte(`{"identifier": "x", "trigger": "DAY-2", "blueprint": "service", "invocationMethod": {"type": "WEBHOOK", "url": "https://x.example"}}`))
	f.Add([]byte(`{"identifier": "up", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "UPSERT_ENTITY", "blueprintIdentifier": "service", "mapping": {"identifier": "{{ .inputs.name }}"}}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"trigger": 5, "invocationMethod": "x"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var d actions.Definition
		var err error
		within(t, "Parse", func() { d, err = actions.Parse(raw) })
		if err != nil {
			requireFieldError(t, err, "")
			return
		}
		stored, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("accepted definition does not marshal: %v", err)
		}
		var again actions.Definition
		within(t, "Parse of the stored form", func() { again, err = actions.Parse(stored) })
		if err != nil {
			t.Fatalf("stored form %s is refused: %v", stored, err)
		}
		if restored, _ := json.Marshal(again); string(restored) != string(stored) {
			t.Fatalf("stored form changes on reading:\n%s\n%s", stored, restored)
		}
		within(t, "Schema", func() { _, err = d.Schema() })
		if err != nil {
			t.Fatalf("accepted definition's form does not compile: %v", err)
		}
	})
}

// FuzzInputSchemaApply: for any form an accepted definition holds and any
// inputs, Apply returns the inputs to run with or an invalid error naming
// each bad "inputs.<name>"; what it returns it accepts again unchanged.
func FuzzInputSchemaApply(f *testing.F) {
	form := `{"properties": {
	  "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "maxLength": 30},
	  "n": {"type": "number", "minimum": 1, "maximum": 14, "default": 3, "multipleOf": 0.5},
	  "size": {"type": "string", "enum": ["small", "large"]},
	  "when": {"type": "string", "format": "date-time"},
	  "site": {"type": "string", "format": "url"},
	  "doc": {"type": "string", "format": "yaml"},
	  "who": {"type": "string", "format": "user"},
	  "tags": {"type": "array", "items": {"type": "string", "format": "email"}, "uniqueItems": true, "maxItems": 3},
	  "cfg": {"type": "object", "properties": {"a": {"type": "boolean"}}, "additionalProperties": false}},
	  "required": ["name"]}`
	f.Add([]byte(form), []byte(`{"name": "pr-42", "n": 2.5, "tags": ["a@b.example"]}`))
	f.Add([]byte(form), []byte(`{"name": "X", "n": 1e400, "when": "yesterday", "site": "::", "doc": "a: [", "who": " ", "cfg": {"b": 1}}`))
	f.Add([]byte(form), []byte(`{"nope": null}`))
	f.Add([]byte(`{"properties": {"x": {"type": "string", "pattern": "(a+)+$"}}}`), []byte(`{"x": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}`))
	f.Add([]byte(`{"properties": {}}`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, userInputs, inputs []byte) {
		def := `{"identifier": "fuzz", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": ` +
			string(userInputs) + `}, "invocationMethod": {"type": "WEBHOOK", "url": "https://backend.example"}}`
		d, err := actions.Parse([]byte(def))
		if err != nil {
			return // FuzzParse covers refusals
		}
		var schema *actions.InputSchema
		within(t, "Schema", func() { schema, err = d.Schema() })
		if err != nil {
			t.Fatalf("accepted form does not compile: %v", err)
		}
		var in map[string]any
		if json.Unmarshal(inputs, &in) != nil {
			return // the edges refuse non-objects before Apply
		}
		var out map[string]any
		within(t, "Apply", func() { out, err = schema.Apply(in) })
		if err != nil {
			requireFieldError(t, err, "inputs")
			return
		}
		var again map[string]any
		within(t, "Apply of its own result", func() { again, err = schema.Apply(out) })
		if err != nil {
			t.Fatalf("Apply refuses what it returned (%v): %v", out, err)
		}
		a, _ := json.Marshal(out)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("Apply is not idempotent: %s then %s", a, b)
		}
	})
}
