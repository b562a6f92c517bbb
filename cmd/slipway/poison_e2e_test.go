//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/workflows"
)

// A run whose workflow state already holds text PostgreSQL refuses (a NUL
// byte; invalid UTF-8 reaches it as U+FFFD): the API's edge check and the
// update validators now refuse such values, but a run started by an older
// version carries them on through continue-as-new. Its activities store them
// scrubbed instead of retrying for ever, the run row reaches its final
// status, the active list lets go of it, the workflow completes and the
// run's end is audited.
func TestPoisonedValuesCannotSplitTheRunRowFromItsWorkflow(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t)
	def := fmt.Sprintf(`{"identifier": "poisoned", "title": "Poisoned",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q}}`, backend.URL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, `{"action": `+def+`}`); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	started, err := runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "poisoned"}), cliToken(t, s, "dev1@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	id := started.Msg.GetRun().GetId()
	backend.AwaitCalls(t, 1, 30*time.Second)

	// The run's workflow goes on from a state such an older version left.
	wf := runs.WorkflowID(id)
	if err := s.Client.TerminateWorkflow(ctx, wf, "", "replaced by a poisoned state"); err != nil {
		t.Fatal(err)
	}
	action, err := actions.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	dev1, err := s.db.Q.GetUserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	in := runs.Input{RunID: id, Action: action, Requester: runs.Person{ID: dev1.ID.String(), Email: dev1.Email},
		Origin: runs.OriginAPI, CreatedAt: now, State: &runs.State{
			Status: runs.StatusInProgress, StatusLabel: "deploying\x00 step 1", Summary: "half\x00done\xff",
			Links: []string{"https://ci.example/\x00"}, LogCount: 1, PendingLogs: []runs.LogLine{{Seq: 1, Message: "bad\x00line", At: now}},
			Version: 10, RunDeadline: now.Add(time.Hour), BackendCalled: true, Notify: true, UpdatedAt: now,
		}}
	if _, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wf, TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in); err != nil {
		t.Fatal(err)
	}
	// The backend ends the run through the API, with clean text.
	svc := newSelfService(s.db, s.Client, newCatalog(s.db, s.Client))
	if _, err := svc.AddLog(ctx, selfservice.Reporter{RunID: id}, id, runs.LogRequest{Message: "caf\u00e9 done", TerminationStatus: runs.StatusSuccess, StatusLabel: "deployed"}); err != nil {
		t.Fatalf("final log line: %v", err)
	}

	runID := uuid.MustParse(id)
	waitUntil(t, 45*time.Second, "the run row to reach its final status", func() bool {
		row, err := s.db.Q.GetRun(ctx, runID)
		return err == nil && row.EndedAt != nil
	})
	row, _ := s.db.Q.GetRun(ctx, runID)
	if row.Status != runs.StatusSuccess || row.StatusLabel != "deployed" || row.Summary != "half\uFFFDdone\uFFFD" || row.LogCount != 2 {
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
		d, err := s.Client.DescribeWorkflowExecution(ctx, runs.WorkflowID(id), "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	history := s.Client.GetWorkflowHistory(ctx, runs.WorkflowID(id), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for history.HasNext() {
		ev, err := history.Next()
		if err != nil {
			t.Fatal(err)
		}
		if st := ev.GetActivityTaskStartedEventAttributes(); st != nil && st.GetAttempt() > 2 {
			t.Errorf("an activity took %d attempts: %v", st.GetAttempt(), st.GetLastFailure())
		}
	}

	// The run's end is in the audit log.
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
	for _, want := range []string{"report:deployed", "end:deployed"} {
		if !slices.Contains(labels, want) {
			t.Errorf("audit events %q lack %q", labels, want)
		}
	}
}
