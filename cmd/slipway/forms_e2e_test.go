//go:build !slipway_lean

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/testkit"
)

// The API enforces the form's rules without the portal: a hidden input is
// dropped, a jq required is required, a jq enum is enforced, a disabled
// input keeps its default; and the run workflow checks the inputs again
// with the same rules and the context the starter recorded (.user), so a
// valid run reaches its backend and succeeds.
func TestAPIEnforcesFormRules(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, ""))
	def := fmt.Sprintf(`{"action": {"identifier": "provision", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {
	    "size": {"type": "string", "enum": ["small", "large"]},
	    "budget": {"type": "string", "visible": {"jqQuery": ".form.size == \"large\""}},
	    "region": {"type": "string", "enum": ["eu", "us"], "default": "eu"},
	    "cluster": {"type": "string", "dependsOn": ["region"], "enum": {"jqQuery": "if .form.region == \"eu\" then [\"eu-1\"] else [\"us-1\"] end"}},
	    "owner": {"type": "string", "default": {"jqQuery": ".user.email"}, "disabled": true},
	    "requester": {"type": "string", "enum": {"jqQuery": "[.user.email]"}}},
	    "required": {"jqQuery": "if .form.size == \"large\" then [\"size\", \"budget\"] else [\"size\"] end"}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	dev1 := cliToken(t, s, "dev1@example.com")
	execute := func(properties string) (int, string) {
		return postJSON(t, s.PortalURL+"/slipway.v1.RunService/ExecuteAction", dev1, `{"action": "provision", "properties": `+properties+`}`)
	}
	for _, c := range []struct{ name, properties, field string }{
		{"jq required", `{"size": "large"}`, "budget"},
		{"jq enum", `{"size": "small", "region": "us", "cluster": "eu-1"}`, "cluster"},
		{"jq enum over .user", `{"size": "small", "requester": "mallory@example.com"}`, "requester"},
	} {
		if status, body := execute(c.properties); status != http.StatusBadRequest || !strings.Contains(body, "invalid_argument") || !strings.Contains(body, c.field) {
			t.Errorf("%s: %d %.300s (want 400 naming %s)", c.name, status, body, c.field)
		}
	}
	status, body := execute(`{"size": "small", "budget": "1k", "region": "us", "cluster": "us-1", "owner": "mallory@example.com", "requester": "dev1@example.com"}`)
	if status != http.StatusOK {
		t.Fatalf("execute: %d %s", status, body)
	}
	var started struct {
		Run struct {
			ID         string         `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"run"`
	}
	if err := json.Unmarshal([]byte(body), &started); err != nil {
		t.Fatal(err)
	}
	if _, hidden := started.Run.Properties["budget"]; hidden || started.Run.Properties["owner"] != "dev1@example.com" {
		t.Errorf("properties %v: want budget dropped (hidden) and owner at its default (disabled)", started.Run.Properties)
	}
	// The workflow re-validates with the recorded .user: the run succeeds.
	waitUntil(t, 20*time.Second, "the run to succeed", func() bool {
		_, body := postJSON(t, s.PortalURL+"/slipway.v1.RunService/GetRun", dev1, fmt.Sprintf(`{"id": %q}`, started.Run.ID))
		if strings.Contains(body, "FAILURE") {
			t.Fatalf("run failed: %s", body)
		}
		return strings.Contains(body, "SUCCESS")
	})
}
