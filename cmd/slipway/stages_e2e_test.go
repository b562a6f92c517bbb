//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// Two approval stages on the real server: the platform team's approver
// first, then an admin; the backend is called only after both, and a
// decline in the second stage ends the run.
func TestMultiStageApprovalEndToEnd(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, ""))
	def := fmt.Sprintf(`{"action": {"identifier": "prod_deploy", "title": "Deploy to production",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true},
	  "requiredApproval": true,
	  "approvalStages": [
	    {"title": "platform", "approvers": {"users": ["approver@example.com"]}},
	    {"title": "admins", "approvers": {"roles": ["admin"]}, "type": "ALL", "ttl": "1h"}]}}`, backend.URL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	dev1, approver := cliToken(t, s, "dev1@example.com"), cliToken(t, s, "approver@example.com")
	get := func(id string) *slipwayv1.Run {
		t.Helper()
		got, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), s.Token))
		if err != nil {
			t.Fatal(err)
		}
		return got.Msg.GetRun()
	}
	start := func() string {
		t.Helper()
		res, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "prod_deploy"}), dev1))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetRun().GetId()
	}
	approve := func(id, token string, yes bool) error {
		if yes {
			_, err := runs.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id}), token))
			return err
		}
		_, err := runs.DeclineRun(ctx, withToken(connect.NewRequest(&slipwayv1.DeclineRunRequest{Id: id, Reason: "not today"}), token))
		return err
	}

	id := start()
	// The admin is a stage-2 approver: too early.
	assertCode(t, approve(id, s.Token, true), connect.CodePermissionDenied)
	if err := approve(id, approver, true); err != nil {
		t.Fatal(err)
	}
	if r := get(id); r.GetStatus() != "WAITING_FOR_APPROVAL" || !strings.Contains(r.GetStatusLabel(), "platform") {
		t.Fatalf("after stage 1: %s %q", r.GetStatus(), r.GetStatusLabel())
	}
	time.Sleep(300 * time.Millisecond) // a call after stage 1 would come at once
	if backend.Count() != 0 {
		t.Fatal("the backend was called after the first stage")
	}
	// The run page says whose turn it is and lets the admin decide.
	admin := noRedirectClient(t)
	doc := login(t, admin, s.PortalURL, "admin@example.com", "/runs/"+id)
	if got := doc.Find(`[data-testid="waiting-on"]`).Text(); !strings.Contains(got, "admin@example.com") || strings.Contains(got, "approver@") {
		t.Errorf("waiting on %q in stage 2", got)
	}
	if doc.Find(`[data-testid="approve"]`).Length() != 1 {
		t.Error("the stage-2 approver is not offered the decision")
	}
	// The inbox says why: the stage, and that every one of its approvers must approve.
	inbox := getDoc(t, admin, s.PortalURL+"/approvals")
	if got := inbox.Find(`[data-testid="approval-stage"]`).Text(); got != "admins (2 of 2)" {
		t.Errorf("the inbox names the stage %q", got)
	}
	if got := inbox.Find(`[data-testid="approval-approvers"]`).Text(); !strings.Contains(got, "Every one of them must approve") || !strings.Contains(got, "admin@example.com") {
		t.Errorf("the inbox's approvers %q", got)
	}
	if err := approve(id, s.Token, true); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "the run to succeed", func() bool { return get(id).GetStatus() == "SUCCESS" })
	backend.AwaitCalls(t, 1, 20*time.Second)
	// The audit log tells the run's story, each stage's decision included.
	auditAPI := slipwayv1connect.NewAuditServiceClient(http.DefaultClient, s.PortalURL)
	var story []string
	waitUntil(t, 10*time.Second, "the run's end to be audited", func() bool {
		res, err := auditAPI.ListAuditEvents(ctx, withToken(connect.NewRequest(&slipwayv1.ListAuditEventsRequest{RunId: id}), s.Token))
		if err != nil {
			t.Fatal(err)
		}
		story = story[:0]
		for _, e := range res.Msg.GetEvents() {
			story = append([]string{e.GetActor() + " " + e.GetVerb()}, story...)
		}
		return len(story) > 0 && story[len(story)-1] == "slipway end"
	})
	if got := strings.Join(story, ", "); got != "dev1@example.com execute, approver@example.com approve, admin@example.com approve, slipway end" {
		t.Errorf("audit story %q", got)
	}

	declined := start()
	if err := approve(declined, approver, true); err != nil {
		t.Fatal(err)
	}
	if err := approve(declined, s.Token, false); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "the run to be declined", func() bool { return get(declined).GetStatus() == "DECLINED" })
	if label := get(declined).GetStatusLabel(); !strings.Contains(label, "admins") || !strings.Contains(label, "not today") {
		t.Errorf("declined label %q", label)
	}
	if backend.Count() != 1 {
		t.Error("the backend was called for a declined run")
	}
}
