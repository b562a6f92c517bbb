package actions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

func TestExecuteGrants(t *testing.T) {
	p := &actions.ExecutePermission{Users: []string{"Ann@example.com"}, Roles: []string{"admin"}, Teams: []string{"platform"}, OwnedByTeam: true}
	for _, c := range []struct {
		s          actions.Subject
		entityTeam string
		want       bool
	}{
		{actions.Subject{Email: "ann@example.com", Role: "member"}, "", true},
		{actions.Subject{Email: "bob@example.com", Role: "admin"}, "", true},
		{actions.Subject{Email: "bob@example.com", Role: "member", Teams: []string{"platform"}}, "", true},
		{actions.Subject{Email: "bob@example.com", Role: "member", Teams: []string{"payments"}}, "payments", true},
		{actions.Subject{Email: "bob@example.com", Role: "member", Teams: []string{"payments"}}, "search", false},
		{actions.Subject{Email: "bob@example.com", Role: "member", Teams: []string{"payments"}}, "", false},
	} {
		if got := p.Grants(c.s, c.entityTeam); got != c.want {
			t.Errorf("%+v on %q: %v, want %v", c.s, c.entityTeam, got, c.want)
		}
	}
	var none *actions.ExecutePermission
	if !none.Grants(actions.Subject{}, "") || !(&actions.ExecutePermission{Policy: "true"}).Grants(actions.Subject{}, "") {
		t.Error("without grants everyone is granted (the policy alone decides)")
	}
}

func TestExecutePolicy(t *testing.T) {
	p := &actions.ExecutePermission{Policy: `.inputs.env != "prod" or (.user.teams | index("sre") != null)`}
	data := func(env string, teams ...any) map[string]any {
		return map[string]any{"inputs": map[string]any{"env": env}, "user": map[string]any{"teams": teams}}
	}
	for _, c := range []struct {
		d    map[string]any
		want bool
	}{{data("dev"), true}, {data("prod"), false}, {data("prod", "sre"), true}} {
		if got, err := p.Allows(context.Background(), c.d); err != nil || got != c.want {
			t.Errorf("%v: %v %v, want %v", c.d, got, err, c.want)
		}
	}
	if _, err := (&actions.ExecutePermission{Policy: ".inputs"}).Allows(context.Background(), data("x")); err == nil {
		t.Error("a policy returning an object was taken as a decision")
	}
}

func TestApproversPolicyReturnsEmails(t *testing.T) {
	a := actions.Approvers{Policy: `[.entity.properties.owner, "sec@example.com"]`}
	got, err := a.PolicyApprovers(context.Background(), map[string]any{"entity": map[string]any{"properties": map[string]any{"owner": "ann@example.com"}}})
	if err != nil || strings.Join(got, ",") != "ann@example.com,sec@example.com" {
		t.Errorf("%v %v", got, err)
	}
	if _, err := (actions.Approvers{Policy: "42"}).PolicyApprovers(context.Background(), nil); err == nil {
		t.Error("a number was taken as approvers")
	}
}

func TestPermissionsAndStagesAreValidated(t *testing.T) {
	def := strings.Replace(currentDefinition, `"runTimeout": "30m"`, `"runTimeout": "30m",
	  "permissions": {"execute": {"roles": ["owner"], "users": ["bob"], "ownedByTeam": true, "policy": ".inputs |"},
	                  "approve": {"policy": "[."}},
	  "approvalStages": [{"approvers": {}}, {"approvers": {"users": ["a@example.com"]}, "type": "MOST", "ttl": "1h"}]`, 1)
	_, err := actions.Parse([]byte(def))
	got := violations(t, err)
	for _, field := range []string{
		"permissions.execute.roles[0]", "permissions.execute.users[0]", "permissions.execute.ownedByTeam",
		"permissions.execute.policy", "permissions.approve.policy", "approvalStages[0].approvers", "approvalStages[1].type",
	} {
		if got[field] == "" {
			t.Errorf("no violation for %s; got %v", field, got)
		}
	}
}
