//go:build !slipway_lean

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/testkit"
)

// A script written for Port's REST API executes an action and an approver
// approves the run, only the base URL changed.
func TestPortRESTExecuteAndApprove(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, ""))
	def := fmt.Sprintf(`{"action": {"identifier": "restart", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"reason": {"type": "string"}}, "required": ["reason"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true},
	  "requiredApproval": true, "approvers": {"users": ["approver@example.com"]}}}`, backend.URL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	call := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, s.PortalURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	dev1, approver := cliToken(t, s, "dev1@example.com"), cliToken(t, s, "approver@example.com")

	if status, out := call("POST", "/v1/actions/restart/runs", dev1, `{"properties": {}}`); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["message"]), "reason") {
		t.Errorf("missing input: %d %v", status, out)
	}
	status, out := call("POST", "/v1/actions/restart/runs", dev1, `{"properties": {"reason": "stuck"}}`)
	run, _ := out["run"].(map[string]any)
	if status != http.StatusAccepted || run["status"] != "WAITING_FOR_APPROVAL" {
		t.Fatalf("execute: %d %v", status, out)
	}
	path := fmt.Sprintf("/v1/actions/runs/%s/approval", run["id"])
	if status, out := call("PATCH", path, approver, `{"status": "MAYBE"}`); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["message"]), "APPROVE") {
		t.Errorf("bad status: %d %v", status, out)
	}
	if status, out := call("PATCH", path, dev1, `{"status": "APPROVE"}`); status != http.StatusForbidden {
		t.Errorf("requester approving: %d %v", status, out)
	}
	if status, out := call("PATCH", path, approver, `{"status": "APPROVE", "description": "ok"}`); status != http.StatusOK {
		t.Fatalf("approve: %d %v", status, out)
	}
	waitUntil(t, 10*time.Second, "the approval to take effect", func() bool {
		status, out := call("PATCH", path, approver, `{"status": "DECLINE"}`)
		return status == http.StatusUnprocessableEntity && out["error"] == "run_not_waiting_for_approval"
	})
}
