package actions_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

// A member's view keeps what running needs and drops the backend, who may
// run and approve, and approval rules.
func TestPublicViewKeepsOnlyWhatRunningNeeds(t *testing.T) {
	d, err := actions.Parse([]byte(`{
	  "identifier": "deploy", "title": "Deploy", "icon": "Rocket", "description": "Ships it", "publish": true,
	  "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service",
	    "condition": {"type": "SEARCH", "combinator": "and", "rules": [{"property": "$team", "operator": "=", "value": "payments"}]},
	    "userInputs": {"properties": {"tag": {"type": "string"}, "token": {"type": "string", "encryption": "aes256-gcm"}}, "required": ["tag"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "https://user:pw@hooks.example/x?key=k", "headers": {"Authorization": "Bearer h"}, "body": {"s": "b"}},
	  "requiredApproval": {"type": "ALL", "when": ".inputs.tag == \"prod\""},
	  "approvalNotification": {"type": "webhook", "url": "https://hooks.example/notify"},
	  "permissions": {"execute": {"teams": ["payments"], "policy": "true"}, "approve": {"users": ["a@example.com"]}},
	  "approvers": {"users": ["b@example.com"]}, "allowSelfApproval": true, "approvalTtl": "2d", "runTimeout": "1h",
	  "retryPolicy": {"maximumAttempts": 2}, "allowAnyoneToViewRuns": false
	}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d.PublicView())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, ",") != "description,icon,identifier,publish,requiredApproval,title,trigger" {
		t.Errorf("public view has %v", keys)
	}
	for _, secret := range []string{"hooks.example", "Bearer", "a@example.com", "b@example.com", "policy", "when"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("public view shows %q: %s", secret, b)
		}
	}
	trigger := got["trigger"].(map[string]any)
	props := trigger["userInputs"].(map[string]any)["properties"].(map[string]any)
	if trigger["operation"] != "DAY-2" || trigger["blueprintIdentifier"] != "service" || trigger["condition"] == nil || props["token"] == nil {
		t.Errorf("public view's trigger: %v", trigger)
	}
	if ra, _ := got["requiredApproval"].(map[string]any); ra["type"] != "ALL" {
		t.Errorf("requiredApproval: %v", got["requiredApproval"])
	}
	// The definition itself keeps every field.
	if d.InvocationMethod.Headers["Authorization"] == "" || d.RequiredApproval.When == "" {
		t.Error("PublicView changed the definition")
	}
}
