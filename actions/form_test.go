package actions_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
)

// Port's advanced-input examples (testdata/port_advanced_inputs/README.md
// cites the docs page, "Advanced input configurations") parse unchanged.
func TestPortAdvancedInputsAcceptedVerbatim(t *testing.T) {
	files, _ := filepath.Glob("testdata/port_advanced_inputs/*.json")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := actions.Parse(raw); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func mustExample(t *testing.T, name string) actions.Definition {
	t.Helper()
	raw, err := os.ReadFile("testdata/port_advanced_inputs/" + name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := actions.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// applyForm runs the API's check of inputs against d's form.
func applyForm(t *testing.T, d actions.Definition, inputs map[string]any, fc actions.FormContext) (map[string]any, map[string]string) {
	t.Helper()
	schema, err := d.Schema()
	if err != nil {
		t.Fatal(err)
	}
	out, err := schema.ApplyForm(context.Background(), inputs, fc, nil)
	return out, violationsOf(t, err)
}

func violationsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *slipway.Error
	if !errors.As(err, &e) {
		t.Fatalf("not a slipway error: %v", err)
	}
	out := map[string]string{}
	for _, v := range e.Violations {
		out[v.Field] = v.Message
	}
	if len(e.Violations) == 0 {
		out[e.Field] = e.Message
	}
	return out
}

func TestFormHiddenInputsAreDroppedAndJQRequiredHolds(t *testing.T) {
	d := mustExample(t, "visible_and_required.json")
	out, bad := applyForm(t, d, map[string]any{"language": "python", "nodeVersion": "22", "pythonVersion": "3.13"}, actions.FormContext{})
	if bad != nil {
		t.Fatal(bad)
	}
	if want := map[string]any{"language": "python", "pythonVersion": "3.13"}; !reflect.DeepEqual(out, want) {
		t.Errorf("inputs %v, want %v (the hidden nodeVersion dropped)", out, want)
	}
	_, bad = applyForm(t, d, map[string]any{"language": "javascript", "pythonVersion": "3.13"}, actions.FormContext{})
	if bad["inputs.nodeVersion"] != "is required" || len(bad) != 1 {
		t.Errorf("violations %v, want inputs.nodeVersion is required", bad)
	}
}

func TestFormJQEnumAndDefaultFollowAnotherInput(t *testing.T) {
	d := mustExample(t, "dynamic_enum.json")
	out, bad := applyForm(t, d, map[string]any{"region": "us"}, actions.FormContext{})
	if bad != nil || out["cluster"] != "us-east-1" {
		t.Errorf("inputs %v, violations %v; want the jq default us-east-1", out, bad)
	}
	_, bad = applyForm(t, d, map[string]any{"region": "us", "cluster": "eu-west-1"}, actions.FormContext{})
	if !strings.HasPrefix(bad["inputs.cluster"], "must be one of") {
		t.Errorf("violations %v, want inputs.cluster must be one of the jq enum", bad)
	}
	st := d.Trigger.UserInputs.Evaluate(context.Background(), map[string]any{"region": "eu"}, actions.FormContext{})
	if got := st.Fields["cluster"].Enum; !reflect.DeepEqual(got, []any{"eu-west-1", "eu-central-1"}) {
		t.Errorf("enum %v", got)
	}
}

func TestFormDisabledInputKeepsItsDefaultFromTheEntity(t *testing.T) {
	d := mustExample(t, "entity_defaults.json")
	fc := actions.FormContext{Operation: "DAY-2", Entity: map[string]any{"identifier": "api", "properties": map[string]any{"replicas": 3, "environment": "production"}}}
	out, bad := applyForm(t, d, map[string]any{"environment": "staging", "reason": "load"}, fc)
	if bad != nil {
		t.Fatal(bad)
	}
	if out["environment"] != "production" || out["replicas"] != float64(3) {
		t.Errorf("inputs %v: the disabled environment keeps the entity's, replicas default to the entity's", out)
	}
	_, bad = applyForm(t, d, map[string]any{}, fc)
	if bad["inputs.reason"] != "is required" {
		t.Errorf("violations %v, want reason required on production", bad)
	}
}

func TestFormStepsTitlesAndUser(t *testing.T) {
	d := mustExample(t, "steps_and_titles.json")
	ui := d.Trigger.UserInputs
	if got := ui.FieldOrder(); !reflect.DeepEqual(got, []string{"name", "size", "budget", "ttl"}) {
		t.Errorf("order %v", got)
	}
	st := ui.Evaluate(context.Background(), map[string]any{"size": "small"}, actions.FormContext{})
	if st.Titles["cost"] || st.Fields["budget"].Visible {
		t.Errorf("the cost section shows for a small environment: %+v", st)
	}
	st = ui.Evaluate(context.Background(), map[string]any{"size": "large"}, actions.FormContext{})
	if !st.Titles["cost"] || !st.Fields["budget"].Visible || st.Values["ttl"] != "3 days" {
		t.Errorf("state %+v", st)
	}
	user := actions.FormUserOf(slipway.User{Email: "dev1@example.com", Role: "member", Teams: []slipway.Team{{Identifier: "payments"}}})
	form := actions.UserInputs{Properties: map[string]actions.Input{
		"team": {"type": "string", "default": map[string]any{"jqQuery": ".user.teams[0]"}},
		"who":  {"type": "string", "default": map[string]any{"jqQuery": ".user.email + \"/\" + .trigger.operation"}},
	}}
	st = form.Evaluate(context.Background(), nil, actions.FormContext{User: user, Operation: "CREATE"})
	if st.Values["team"] != "payments" || st.Values["who"] != "dev1@example.com/CREATE" {
		t.Errorf("values %v", st.Values)
	}
}

// A jq that runs away is an error on its field, within the limit.
func TestFormSlowJQIsAnErrorOnTheField(t *testing.T) {
	form := actions.UserInputs{Properties: map[string]actions.Input{
		"x": {"type": "string", "visible": map[string]any{"jqQuery": "def f: f; f"}},
		"y": {"type": "string"},
	}}
	start := time.Now()
	st := form.Evaluate(context.Background(), map[string]any{"y": "ok"}, actions.FormContext{Limit: 50 * time.Millisecond})
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
	if !strings.Contains(st.Fields["x"].Error, "visible: jq") || len(st.Violations) != 1 || st.Violations[0].Field != "inputs.x" {
		t.Errorf("state %+v", st)
	}
}

// Rules are checked on write: a jq that does not compile names its path.
func TestFormRulesValidatedOnWrite(t *testing.T) {
	def := `{"identifier": "a", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {
	  "properties": {"region": {"type": "string", "visible": {"jqQuery": ".form.x ==="}, "dependsOn": ["nope"]},
	                 "zone": {"type": "string", "disabled": "yes"}},
	  "required": {"jqQuery": "[.form"}, "steps": [{"title": "One", "order": ["region", "ghost"]}]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "https://example.com"}}`
	_, err := actions.Parse([]byte(def))
	bad := violationsOf(t, err)
	for _, field := range []string{
		"trigger.userInputs.properties.region.visible.jqQuery",
		"trigger.userInputs.properties.region.dependsOn[0]",
		"trigger.userInputs.properties.zone.disabled",
		"trigger.userInputs.required.jqQuery",
		"trigger.userInputs.steps[0].order[1]",
	} {
		if _, ok := bad[field]; !ok {
			t.Errorf("no violation at %s; got %v", field, bad)
		}
	}
}

// Secret inputs stay out of .form: the workflow sees them sealed, so a
// rule over one would decide otherwise there.
func TestFormRulesDoNotSeeSecrets(t *testing.T) {
	form := actions.UserInputs{Properties: map[string]actions.Input{
		"token": {"type": "string", "encryption": "aes256-gcm"},
		"echo":  {"type": "string", "default": map[string]any{"jqQuery": ".form.token // \"none\""}},
	}}
	st := form.Evaluate(context.Background(), map[string]any{"token": "s3cret"}, actions.FormContext{})
	if st.Values["echo"] != "none" {
		t.Errorf("a rule saw a secret input: %v", st.Values["echo"])
	}
}

// Many slow rules cannot hold a person up for long: the whole evaluation
// has its own bound, and the rules past it fail on their fields.
func TestFormManySlowRulesAreBoundedTogether(t *testing.T) {
	props := map[string]actions.Input{}
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		props[n] = actions.Input{"type": "string", "visible": map[string]any{"jqQuery": "def f: f; f"}}
	}
	start := time.Now()
	st := actions.UserInputs{Properties: props}.Evaluate(context.Background(), nil, actions.FormContext{})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("8 runaway rules took %s", took)
	}
	if len(st.Violations) != 8 {
		t.Errorf("violations %v, want one per field", st.Violations)
	}
}
