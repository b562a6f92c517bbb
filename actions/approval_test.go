package actions_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

// The seed's case: more than 5 days needs approval, 5 or fewer starts at once.
func TestConditionalApproval(t *testing.T) {
	def := strings.Replace(currentDefinition, `"requiredApproval": {"type": "ALL"}`,
		`"requiredApproval": {"type": "ANY", "when": ".inputs.ttl_days > 5"}`, 1)
	d, err := actions.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	for days, want := range map[float64]bool{3: false, 5: false, 6: true, 14: true} {
		got, err := d.RequiredApproval.NeedsApproval(context.Background(), map[string]any{"inputs": map[string]any{"ttl_days": days}})
		if err != nil || got != want {
			t.Errorf("ttl_days %v: needs approval %v (%v), want %v", days, got, err, want)
		}
	}
	// The condition survives storage.
	b, _ := json.Marshal(d)
	again, err := actions.Parse(b)
	if err != nil || again.RequiredApproval.When != ".inputs.ttl_days > 5" || again.RequiredApproval.Quorum != "ANY" {
		t.Errorf("round trip: %+v, %v", again.RequiredApproval, err)
	}
	// A condition that yields no boolean is an error, not a guess.
	d.RequiredApproval.When = ".inputs.ttl_days"
	if _, err := d.RequiredApproval.NeedsApproval(context.Background(), map[string]any{"inputs": map[string]any{"ttl_days": 3}}); err == nil {
		t.Error("a number from the condition was taken as a decision")
	}
	// Without a condition every run needs approval; without approval none does.
	for _, c := range []struct {
		a    actions.Approval
		want bool
	}{{actions.Approval{Required: true, Quorum: "ANY"}, true}, {actions.Approval{}, false}} {
		if got, _ := c.a.NeedsApproval(context.Background(), nil); got != c.want {
			t.Errorf("%+v: %v", c.a, got)
		}
	}
}

func TestApprovalConditionMustCompile(t *testing.T) {
	def := strings.Replace(currentDefinition, `"requiredApproval": {"type": "ALL"}`,
		`"requiredApproval": {"type": "ANY", "when": ".inputs.ttl_days >"}`, 1)
	_, err := actions.Parse([]byte(def))
	if got := violations(t, err); !strings.Contains(got["requiredApproval"], "when") {
		t.Errorf("bad when not named: %v", got)
	}
}

// An entity input's dataset narrows its choices; jqQuery values are
// evaluated over the picker's context.
func TestEntityInputDataset(t *testing.T) {
	def := strings.Replace(currentDefinition, `"owner": {"type": "string", "format": "user"},`,
		`"owner": {"type": "string", "format": "user"},
		 "service": {"type": "string", "format": "entity", "blueprint": "service", "dataset": {"combinator": "and", "rules": [
		   {"property": "$team", "operator": "containsAny", "value": {"jqQuery": ".user.teams"}},
		   {"property": "language", "operator": "!=", "value": "cobol"}]}},`, 1)
	d, err := actions.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	in := d.Trigger.UserInputs.Properties["service"]
	if in.EntityBlueprint() != "service" {
		t.Errorf("blueprint %q", in.EntityBlueprint())
	}
	dataset, problems := in.Dataset()
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	cond, err := dataset.Resolve(context.Background(), map[string]any{"user": map[string]any{"teams": []any{"payments", "search"}}})
	if err != nil {
		t.Fatal(err)
	}
	svc := func(team, lang string) map[string]any {
		return map[string]any{"identifier": "x", "team": team, "properties": map[string]any{"language": lang}}
	}
	for _, c := range []struct {
		e    map[string]any
		want bool
	}{
		{svc("payments", "go"), true},
		{svc("search", "go"), true},
		{svc("platform", "go"), false},
		{svc("payments", "cobol"), false},
		{map[string]any{"identifier": "x"}, false},
	} {
		if got := cond.Matches(c.e); got != c.want {
			t.Errorf("%v: %v, want %v", c.e, got, c.want)
		}
	}

	bad := strings.Replace(def, `".user.teams"`, `".user.teams["`, 1)
	_, err = actions.Parse([]byte(bad))
	if got := violations(t, err); !strings.Contains(got["trigger.userInputs.properties.service.dataset"], "jqQuery") {
		t.Errorf("bad jqQuery not named: %v", got)
	}
	bad = strings.Replace(def, `"operator": "containsAny"`, `"operator": "like"`, 1)
	_, err = actions.Parse([]byte(bad))
	if got := violations(t, err); got["trigger.userInputs.properties.service.dataset"] == "" {
		t.Errorf("bad operator not named: %v", got)
	}
}
