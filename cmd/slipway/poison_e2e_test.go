//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/workflows"
)

// A backend's update whose text carries a NUL byte or invalid UTF-8 reaches
// the run through the service directly (past the API's edge check, as a
// value from any other path would): the activities store it scrubbed
// instead of retrying for ever, the run row reaches its final status, the
// active list lets go of it, the workflow completes and every status change
// is audited.
func TestPoisonedValuesCannotSplitTheRunRowFromItsWorkflow(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	called := make(chan struct{}, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case called <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer backend.Close()
	def := fmt.Sprintf(`{"action": {"identifier": "poisoned", "title": "Poisoned",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backend.URL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	started, err := runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "poisoned"}), cliToken(t, s, "dev1@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	id := started.Msg.GetRun().GetId()
	select {
	case <-called:
	case <-time.After(30 * time.Second):
		t.Fatal("the backend was not called")
	}

	svc := newSelfService(s.db, s.Client, newCatalog(s.db, s.Client))
	backendOf := selfservice.Reporter{RunID: id}
	label, summary, links := "deploying\x00 step 1", "half\x00done\xff", []string{"https://ci.example/\x00"}
	if _, err := svc.Report(ctx, backendOf, id, workflows.ReportRequest{StatusLabel: &label, Summary: &summary, Links: &links}); err != nil {
		t.Fatalf("report with a NUL: %v", err)
	}
	if _, err := svc.AddLog(ctx, backendOf, id, workflows.LogRequest{Message: "bad\x00line"}); err != nil {
		t.Fatalf("log line with a NUL: %v", err)
	}
	if _, err := svc.AddLog(ctx, backendOf, id, workflows.LogRequest{Message: "caf\xe9 done", TerminationStatus: workflows.StatusSuccess, StatusLabel: "deployed\x00"}); err != nil {
		t.Fatalf("final log line: %v", err)
	}

	runID := uuid.MustParse(id)
	waitUntil(t, 45*time.Second, "the run row to reach its final status", func() bool {
		row, err := s.db.Q.GetRun(ctx, runID)
		return err == nil && row.EndedAt != nil
	})
	row, _ := s.db.Q.GetRun(ctx, runID)
	if row.Status != workflows.StatusSuccess || row.StatusLabel != "deployed\uFFFD" || row.Summary != "half\uFFFDdone\uFFFD" || row.LogCount != 2 {
		t.Errorf("run row: %s %q %q %d lines", row.Status, row.StatusLabel, row.Summary, row.LogCount)
	}
	active, err := runsAPI.ListRuns(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunsRequest{Active: true}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range active.Msg.GetRuns() {
		if r.GetId() == id {
			t.Errorf("the ended run is still listed as active (%s)", r.GetStatus())
		}
	}
	logs, err := runsAPI.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: id}), s.Token))
	if err != nil || len(logs.Msg.GetLogs()) != 2 || logs.Msg.GetLogs()[0].GetMessage() != "bad\uFFFDline" {
		t.Errorf("stored logs %v, %v", logs, err)
	}

	// The workflow ends too (its notices were stored), and no activity
	// needed more than a retry or two.
	waitUntil(t, 30*time.Second, "the run's workflow to complete", func() bool {
		d, err := s.Client.DescribeWorkflowExecution(ctx, workflows.RunWorkflowID(id), "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	history := s.Client.GetWorkflowHistory(ctx, workflows.RunWorkflowID(id), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for history.HasNext() {
		ev, err := history.Next()
		if err != nil {
			t.Fatal(err)
		}
		if st := ev.GetActivityTaskStartedEventAttributes(); st != nil && st.GetAttempt() > 2 {
			t.Errorf("an activity took %d attempts: %v", st.GetAttempt(), st.GetLastFailure())
		}
	}

	// Every status change is in the audit log, its text scrubbed, not dropped.
	events, _, err := (&audit.Log{Store: s.db}).List(ctx, slipway.User{Role: slipway.RoleAdmin}, audit.Filter{RunID: id})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, e := range events {
		var after struct{ StatusLabel string }
		if raw, ok := e.After.(json.RawMessage); ok {
			_ = json.Unmarshal(raw, &after)
		}
		labels = append(labels, e.Verb+":"+after.StatusLabel)
	}
	for _, want := range []string{"report:deploying\uFFFD step 1", "report:deployed\uFFFD", "end:deployed\uFFFD"} {
		if !slices.Contains(labels, want) {
			t.Errorf("audit events %q lack %q", labels, want)
		}
	}
}
