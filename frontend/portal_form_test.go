package frontend

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

// A change re-evaluates the fields that depend on it (dependsOn) and the
// fields with jq rules that name no dependsOn; a field that depends on
// other fields only is left alone, and the dependents start again from
// their defaults.
func TestRefreshedFollowsDependsOn(t *testing.T) {
	jq := map[string]any{"jqQuery": ".form.region"}
	ui := actions.UserInputs{Properties: map[string]actions.Input{
		"region":  {"type": "string"},
		"size":    {"type": "string"},
		"cluster": {"type": "string", "dependsOn": []any{"region"}, "enum": jq},
		"disk":    {"type": "string", "dependsOn": []any{"size"}, "default": jq},
		"note":    {"type": "string", "visible": jq},
		"plain":   {"type": "string"},
	}}
	names, dependents := refreshed(ui, "region")
	if want := []string{"cluster", "note"}; !reflect.DeepEqual(names, want) {
		t.Errorf("re-evaluated %v, want %v", names, want)
	}
	if want := []string{"cluster"}; !reflect.DeepEqual(dependents, want) {
		t.Errorf("reset %v, want %v", dependents, want)
	}
}

// A date-time picker's local value is sent as RFC 3339 (UTC); an object
// input must hold a JSON object.
func TestFormInputsDateTimeAndObject(t *testing.T) {
	d := actions.Definition{Trigger: actions.Trigger{UserInputs: actions.UserInputs{Properties: map[string]actions.Input{
		"at":     {"type": "string", "format": "date-time"},
		"config": {"type": "object"},
	}}}}
	out, errs := formInputs(url.Values{"at": {"2026-12-01T09:30"}, "config": {"[1]"}}, d)
	if out["at"] != "2026-12-01T09:30:00Z" {
		t.Errorf("at %v", out["at"])
	}
	if errs["config"] != "must be a JSON object" {
		t.Errorf("errors %v", errs)
	}
	if got := localDateTime("2026-12-01T09:30:00Z"); got != "2026-12-01T09:30" {
		t.Errorf("shown as %q", got)
	}
}
