//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/structpb"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/signing"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
)

// mustReportingBackend is a webhook backend that checks every signature
// under both names, then does a backend's job for each call with the run
// token it was given: three log lines, a link, success. The jobs wait for
// gate to be closed.
func mustReportingBackend(t *testing.T, s *devStack, gate <-chan struct{}) *testkit.Backend {
	return testkit.MustBackend(t, testkit.Signed(s.WebhookSecret, signing.Sign, "x-slipway-", "x-port-"),
		testkit.OnCall(func(b *testkit.Backend, c testkit.Call) {
			<-gate
			if err := reportSuccess(s.PortalURL, c.RunID, c.RunToken); err != nil {
				b.Problemf("%v", err)
			}
		}))
}

// reportSuccess reports on run id as its backend, through Connect and
// Port's REST shape.
func reportSuccess(apiURL, id, token string) error {
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, apiURL)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, err := api.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: fmt.Sprintf("step %d", i)}), token)); err != nil {
			return fmt.Errorf("log: %w", err)
		}
	}
	// Port's REST shape, as a backend written for Port sends it.
	req, _ := http.NewRequest(http.MethodPatch, apiURL+"/v1/actions/runs/"+id, strings.NewReader(`{"statusLabel": "deployed", "link": "https://ci.example.com/1"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("patch: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := api.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: "done", TerminationStatus: "SUCCESS"}), token)); err != nil {
		return fmt.Errorf("final log: %w", err)
	}
	return nil
}

func TestActionRunEndToEnd(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	// The backend holds its reports until the test has seen the run in progress.
	gate := make(chan struct{})
	backend := mustReportingBackend(t, s, gate)

	adminTok := s.Token
	devTok := cliToken(t, s, "dev1@example.com")
	approverTok := cliToken(t, s, "approver@example.com")
	actionsAPI := slipwayv1connect.NewActionServiceClient(http.DefaultClient, s.PortalURL)
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)

	// A Port definition, pasted as {"action": ...} through Connect's JSON protocol.
	def := fmt.Sprintf(`{"action": {
	  "identifier": "redeploy", "title": "Redeploy",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {"tag": {"type": "string", "pattern": "^v[0-9.]+$"}, "replicas": {"type": "number", "default": 2}}, "required": ["tag"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q},
	  "requiredApproval": true,
	  "approvers": {"users": ["approver@example.com"]}
	}}`, backend.URL+"/hook")
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.CatalogService/CreateBlueprint", adminTok, `{"blueprint": {"identifier": "service", "schema": {"properties": {}}}}`); status != http.StatusOK {
		t.Fatalf("create blueprint: %d %s", status, body)
	}
	status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", devTok, def)
	if status != http.StatusForbidden || !strings.Contains(body, "permission_denied") {
		t.Fatalf("a member created an action: %d %s", status, body)
	}
	status, body = postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", adminTok, strings.Replace(def, `"pattern": "^v[0-9.]+$"`, `"pattern": "([bad"`, 1))
	if status != http.StatusBadRequest || !strings.Contains(body, "action.trigger.userInputs.properties.tag.pattern") {
		t.Fatalf("a bad pattern: %d %s", status, body)
	}
	status, body = postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", adminTok, def)
	if status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	got, err := actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "redeploy"}), devTok))
	if err != nil || got.Msg.GetAction().AsMap()["title"] != "Redeploy" {
		t.Fatalf("GetAction: %v %v", got, err)
	}
	// Members read no backend; an admin reads it, normalised.
	if _, ok := got.Msg.GetAction().AsMap()["invocationMethod"]; ok {
		t.Errorf("a member reads the backend: %v", got.Msg.GetAction().AsMap())
	}
	got, err = actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "redeploy"}), adminTok))
	if err != nil {
		t.Fatal(err)
	}
	if inv, _ := got.Msg.GetAction().AsMap()["invocationMethod"].(map[string]any); inv["method"] != "POST" {
		t.Errorf("webhook method not defaulted: %v", inv)
	}

	_, err = runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "redeploy", Properties: mustStruct(t, map[string]any{"tag": "latest"})}), devTok))
	assertCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "inputs.tag") {
		t.Errorf("bad input not named: %v", err)
	}

	started, err := runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "redeploy", Properties: mustStruct(t, map[string]any{"tag": "v1.2.3"})}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	run := started.Msg.GetRun()
	if run.GetStatus() != "WAITING_FOR_APPROVAL" || run.GetProperties().AsMap()["replicas"] != float64(2) {
		t.Fatalf("started run %v", run)
	}
	id := run.GetId()

	// Watch the run live from the start, as the portal or a CLI would.
	type watched struct {
		statuses []string
		logs     []string
		err      error
	}
	watchDone := make(chan watched, 1)
	watching := make(chan struct{})
	sawInProgress := make(chan struct{})
	go func() {
		var w watched
		stream, err := runsAPI.WatchRun(ctx, withToken(connect.NewRequest(&slipwayv1.WatchRunRequest{Id: id}), devTok))
		if err != nil {
			w.err = err
			watchDone <- w
			return
		}
		for stream.Receive() {
			switch ev := stream.Msg().GetEvent().(type) {
			case *slipwayv1.WatchRunResponse_Run:
				if len(w.statuses) == 0 {
					close(watching)
				}
				if n := len(w.statuses); n == 0 || w.statuses[n-1] != ev.Run.GetStatus() {
					w.statuses = append(w.statuses, ev.Run.GetStatus())
					if ev.Run.GetStatus() == "IN_PROGRESS" {
						close(sawInProgress)
					}
				}
			case *slipwayv1.WatchRunResponse_Log:
				w.logs = append(w.logs, fmt.Sprintf("%d:%s", ev.Log.GetSeq(), ev.Log.GetMessage()))
			}
		}
		w.err = stream.Err()
		watchDone <- w
	}()

	select {
	case <-watching:
	case w := <-watchDone:
		t.Fatalf("WatchRun ended before its first event: %v", w.err)
	case <-time.After(10 * time.Second):
		t.Fatal("WatchRun sent nothing")
	}
	_, err = runsAPI.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id}), devTok))
	assertCode(t, err, connect.CodePermissionDenied)
	_, err = runsAPI.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: "x"}), devTok))
	assertCode(t, err, connect.CodePermissionDenied)
	approved, err := runsAPI.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id, Reason: "go"}), approverTok))
	if err != nil {
		t.Fatal(err)
	}
	if len(approved.Msg.GetRun().GetApprovals()) != 1 {
		t.Errorf("approval not recorded: %v", approved.Msg.GetRun())
	}

	backend.AwaitCalls(t, 1, 10*time.Second)
	// The backend reports only once the watcher has seen the run in progress.
	select {
	case <-sawInProgress:
	case <-time.After(20 * time.Second):
		t.Fatal("WatchRun never showed IN_PROGRESS")
	}
	close(gate)

	var final *slipwayv1.Run
	waitUntil(t, 30*time.Second, "the run to succeed", func() bool {
		got, err := runsAPI.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), devTok))
		if err != nil {
			return false
		}
		final = got.Msg.GetRun()
		return final.GetStatus() == "SUCCESS"
	})
	if problems := backend.Problems(); len(problems) > 0 {
		t.Errorf("backend problems: %v", problems)
	}
	calls := backend.Calls()
	if len(calls) != 1 {
		t.Fatalf("backend called %d times", len(calls))
	}
	payload := calls[0].JSON()
	if key := calls[0].Header.Get("Idempotency-Key"); !strings.HasPrefix(key, "run-"+id+"/") {
		t.Errorf("idempotency key %q", key)
	}
	if inputs, _ := payload["inputs"].(map[string]any); inputs["tag"] != "v1.2.3" {
		t.Errorf("payload inputs %v", payload["inputs"])
	}
	if by := payload["trigger"].(map[string]any)["by"].(map[string]any)["user"].(map[string]any); by["email"] != "dev1@example.com" {
		t.Errorf("payload trigger.by %v", by)
	}
	if final.GetStatusLabel() != "deployed" || len(final.GetLink()) != 1 {
		t.Errorf("final run %v", final)
	}

	waitUntil(t, 10*time.Second, "all log lines to be listed", func() bool {
		logs, err := runsAPI.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: id}), devTok))
		if err != nil || len(logs.Msg.GetLogs()) != 4 {
			return false
		}
		for i, l := range logs.Msg.GetLogs() {
			want := fmt.Sprintf("step %d", i+1)
			if i == 3 {
				want = "done"
			}
			if l.GetSeq() != int64(i+1) || l.GetMessage() != want {
				t.Fatalf("log line %d: %v", i, l)
			}
		}
		return true
	})

	select {
	case w := <-watchDone:
		if w.err != nil {
			t.Fatalf("watch: %v", w.err)
		}
		if strings.Join(w.statuses, ",") != "WAITING_FOR_APPROVAL,IN_PROGRESS,SUCCESS" {
			t.Errorf("watched statuses %v", w.statuses)
		}
		if strings.Join(w.logs, ",") != "1:step 1,2:step 2,3:step 3,4:done" {
			t.Errorf("watched logs %v", w.logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("WatchRun did not end with the run")
	}
	// Resuming from a line sends only what follows, then the final state.
	stream, err := runsAPI.WatchRun(ctx, withToken(connect.NewRequest(&slipwayv1.WatchRunRequest{Id: id, AfterSeq: 2}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	var resumed []int64
	for stream.Receive() {
		if l := stream.Msg().GetLog(); l != nil {
			resumed = append(resumed, l.GetSeq())
		}
	}
	if fmt.Sprint(resumed) != "[3 4]" || stream.Err() != nil {
		t.Errorf("resumed watch: %v %v", resumed, stream.Err())
	}

	// Port's REST routes: members may not report; ended runs refuse changes; bad bodies are named.
	for _, c := range []struct {
		token, body string
		status      int
		want        string
	}{
		{devTok, `{"status":"FAILURE"}`, http.StatusForbidden, "permission_denied"},
		{adminTok, `{"status":"FAILURE"}`, http.StatusConflict, "failed_precondition"},
		{adminTok, `{"status":`, http.StatusBadRequest, "body"},
	} {
		status, b := sendJSON(t, http.MethodPatch, s.PortalURL+"/v1/actions/runs/"+id, c.token, c.body)
		if status != c.status || !strings.Contains(b, c.want) || !strings.Contains(b, `"ok":false`) {
			t.Errorf("PATCH %s: %d %s", c.body, status, b)
		}
	}

	// user and team inputs must name existing users and teams; cancel is for
	// the requester or an admin; bodies over 1 MiB are refused.
	assign := fmt.Sprintf(`{"action": {"identifier": "assign", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"owner": {"type": "string", "format": "user"}, "team": {"type": "string", "format": "team"}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backend.URL+"/hook")
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", adminTok, assign); status != http.StatusOK {
		t.Fatalf("create assign: %d %s", status, body)
	}
	_, err = runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "assign",
		Properties: mustStruct(t, map[string]any{"owner": "ghost@example.com", "team": "nope"})}), devTok))
	assertCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "inputs.owner") || !strings.Contains(err.Error(), "inputs.team") {
		t.Errorf("unknown user and team not named: %v", err)
	}
	pending, err := runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "redeploy",
		Properties: mustStruct(t, map[string]any{"tag": "v2"})}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	_, err = runsAPI.CancelRun(ctx, withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: pending.Msg.GetRun().GetId()}), approverTok))
	assertCode(t, err, connect.CodePermissionDenied)
	cancelled, err := runsAPI.CancelRun(ctx, withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: pending.Msg.GetRun().GetId(), Reason: "typo"}), devTok))
	if err != nil || cancelled.Msg.GetRun().GetStatus() != "CANCELLED" {
		t.Fatalf("cancel by requester: %v %v", cancelled, err)
	}
	huge := `{"action": "redeploy", "properties": {"tag": "` + strings.Repeat("x", 1<<20) + `"}}`
	if status, _ := postJSON(t, s.PortalURL+"/slipway.v1.RunService/ExecuteAction", devTok, huge); status == http.StatusOK {
		t.Error("a body over 1 MiB was accepted")
	}

	// An ended run cannot change any more.
	_, err = runsAPI.CancelRun(ctx, withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: id}), devTok))
	assertCode(t, err, connect.CodeFailedPrecondition)

	// Operators find the run by its search attributes.
	query := `SlipwayAction = "redeploy" AND SlipwayStatus = "SUCCESS" AND SlipwayRequester = "dev1@example.com"`
	waitUntil(t, 15*time.Second, "the run to be listed by search attributes", func() bool {
		resp, err := s.Client.ListWorkflow(ctx, listRequest(s.Namespace, query))
		return err == nil && len(resp.GetExecutions()) == 1 && resp.GetExecutions()[0].GetExecution().GetWorkflowId() == "run-"+id
	})

	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, s.Client, "run-"+id, "", "../../workflows/testdata/run_history.json")
	}

	// Lists read the run table, which the workflow's last activity updates.
	waitUntil(t, 10*time.Second, "ListRuns to show the run as SUCCESS", func() bool {
		list, err := runsAPI.ListRuns(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunsRequest{Action: "redeploy", Status: "SUCCESS"}), devTok))
		return err == nil && len(list.Msg.GetRuns()) == 1
	})
	rerun, err := runsAPI.RerunRun(ctx, withToken(connect.NewRequest(&slipwayv1.RerunRunRequest{Id: id}), devTok))
	if err != nil || rerun.Msg.GetRun().GetId() == id || rerun.Msg.GetRun().GetProperties().AsMap()["tag"] != "v1.2.3" {
		t.Fatalf("rerun: %v %v", rerun, err)
	}
	declined, err := runsAPI.DeclineRun(ctx, withToken(connect.NewRequest(&slipwayv1.DeclineRunRequest{Id: rerun.Msg.GetRun().GetId(), Reason: "once is enough"}), approverTok))
	if err != nil || declined.Msg.GetRun().GetStatus() != "DECLINED" {
		t.Fatalf("decline: %v %v", declined, err)
	}
}

func cliToken(t *testing.T, s *devStack, email string) string {
	t.Helper()
	t.Setenv("SLIPWAY_DATA_DIR", s.DataDir)
	t.Setenv("DATABASE_URL", "")
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"token", "create", "--user", email}, &out, &errOut); code != 0 {
		t.Fatalf("token for %s: %s", email, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct {
	t.Helper()
	st, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func listRequest(ns, query string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, Query: query}
}
