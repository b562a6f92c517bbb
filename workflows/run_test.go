package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/workflows"
)

func definition(t *testing.T, approval string, synchronized bool) actions.Definition {
	t.Helper()
	raw := fmt.Sprintf(`{
	  "identifier": "deploy",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {"replicas": {"type": "number", "minimum": 1, "default": 2}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "http://backend.invalid/hook", "synchronized": %t},
	  "requiredApproval": %s,
	  "approvalTtl": "1d",
	  "runTimeout": "2h",
	  "retryPolicy": {"maximumAttempts": 4, "initialInterval": "1s"}
	}`, synchronized, approval)
	d, err := actions.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// harness runs the run workflow in the SDK's test environment (virtual
// time) with recording fakes for the activities.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	in  runs.Input

	mu       sync.Mutex
	saved    []activities.SaveRunInput
	logs     []runs.LogLine
	payloads []map[string]any
	deleted  []activities.DeleteEntityInput
	notices  []notifications.Notice
	sent     []activities.SendNoticeInput
	// sendNotice decides each notification webhook attempt (nil: delivered).
	sendNotice func(attempt int) error
	sends      int
	// appendLogs and deleteEntity, when set, decide those activities' outcomes.
	appendLogs   func(activities.AppendRunLogsInput) error
	deleteEntity func(activities.DeleteEntityInput) error
	// webhook decides each backend call's outcome, by attempt (1-based).
	webhook func(attempt int) (activities.CallWebhookResult, error)
	calls   int

	// records are the rows the workflow wrote (RecordRun); recordRun, when
	// set, decides that activity's outcome.
	records   []runs.Record
	recordRun func(runs.Record) error
}

func newHarness(t *testing.T, def actions.Definition) *harness {
	var suite testsuite.WorkflowTestSuite
	h := &harness{t: t, env: suite.NewTestWorkflowEnvironment()}
	h.in = runs.Input{
		RunID: "0f8e2d3a-0000-4000-8000-000000000001", Action: def,
		Inputs:    map[string]any{"replicas": 3},
		Requester: runs.Person{ID: "u1", Email: "dev1@example.com", Name: "Dev One"},
		Origin:    "UI", Approvers: []string{"approver@example.com", "admin@example.com"},
		RunToken: "slr_test", CreatedAt: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
	}
	h.webhook = func(int) (activities.CallWebhookResult, error) {
		return activities.CallWebhookResult{StatusCode: 200}, nil
	}
	var a *activities.Activities
	h.env.RegisterActivity(a.SaveRun)
	h.env.RegisterActivity(a.RecordRun)
	h.env.OnActivity(a.RecordRun, mock.Anything, mock.Anything).Return(func(_ context.Context, rec runs.Record) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.recordRun != nil {
			if err := h.recordRun(rec); err != nil {
				return err
			}
		}
		h.records = append(h.records, rec)
		return nil
	})
	h.env.RegisterActivity(a.AppendRunLogs)
	h.env.RegisterActivity(a.CallWebhook)
	h.env.RegisterActivity(a.DeleteEntity)
	h.env.RegisterActivity(a.RecordNotice)
	h.env.RegisterActivity(a.SendNotice)
	h.env.OnActivity(a.RecordNotice, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordNoticeInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.notices = append(h.notices, in.Notice)
		return nil
	})
	h.env.OnActivity(a.SendNotice, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SendNoticeInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.sends++
		if h.sendNotice != nil {
			if err := h.sendNotice(h.sends); err != nil {
				return err
			}
		}
		h.sent = append(h.sent, in)
		return nil
	})
	h.env.OnActivity(a.DeleteEntity, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DeleteEntityInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.deleteEntity != nil {
			if err := h.deleteEntity(in); err != nil {
				return err
			}
		}
		h.deleted = append(h.deleted, in)
		return nil
	})
	h.env.OnActivity(a.SaveRun, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SaveRunInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.saved = append(h.saved, in)
		return nil
	})
	h.env.OnActivity(a.AppendRunLogs, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.AppendRunLogsInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.appendLogs != nil {
			if err := h.appendLogs(in); err != nil {
				return err
			}
		}
		h.logs = append(h.logs, in.Lines...)
		return nil
	})
	h.env.OnActivity(a.CallWebhook, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CallWebhookInput) (activities.CallWebhookResult, error) {
		h.mu.Lock()
		h.calls++
		attempt := h.calls
		var p map[string]any
		_ = json.Unmarshal(in.Data, &p)
		h.payloads = append(h.payloads, p)
		h.mu.Unlock()
		return h.webhook(attempt)
	})
	return h
}

// at schedules an update after d of virtual time; the result lands in *err.
func (h *harness) at(d time.Duration, name string, arg any, err *error) {
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(e error) { *err = e },
			OnComplete: func(_ any, e error) { *err = e },
		}, arg)
	}, d)
}

func (h *harness) execute() runs.State {
	h.env.ExecuteWorkflow(workflows.Run, h.in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow error: %v", err)
	}
	return h.last()
}

func (h *harness) last() runs.State {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.saved) == 0 {
		h.t.Fatal("no state was saved")
	}
	s := h.saved[len(h.saved)-1]
	return runs.State{Status: s.Status, StatusLabel: s.StatusLabel, Links: s.Links, Summary: s.Summary, LogCount: s.LogCount}
}

func errType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

func TestSynchronousWebhookWithoutApproval(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	h.webhook = func(int) (activities.CallWebhookResult, error) {
		return activities.CallWebhookResult{StatusCode: 200, Body: json.RawMessage(`{"link":"https://ci/1","summary":"deployed"}`)}, nil
	}
	s := h.execute()
	if s.Status != runs.StatusSuccess || s.Summary != "deployed" || len(s.Links) != 1 {
		t.Fatalf("final state %+v", s)
	}
	p := h.payloads[0]
	run, _ := p["run"].(map[string]any)
	if run["id"] != h.in.RunID || run["token"] != "slr_test" {
		t.Errorf("payload run %v", p["run"])
	}
	if inputs, _ := p["inputs"].(map[string]any); inputs["replicas"] != float64(3) {
		t.Errorf("payload inputs %v", p["inputs"])
	}
	trigger, _ := p["trigger"].(map[string]any)
	if trigger["operation"] != "CREATE" || trigger["origin"] != "UI" {
		t.Errorf("payload trigger %v", trigger)
	}
	// The API wrote the first state; the workflow saves only the final one.
	if len(h.saved) != 1 {
		t.Errorf("%d saves, want 1 (the final state)", len(h.saved))
	}
}

func TestAnyApprovalThenBackendReportsSuccess(t *testing.T) {
	h := newHarness(t, definition(t, "true", false))
	var selfErr, strangerErr, approveErr, twiceErr, reportErr error
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "dev1@example.com", Approve: true}, &selfErr)
	h.at(2*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "dev2@example.com", Approve: true}, &strangerErr)
	h.at(3*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true, Reason: "ok"}, &approveErr)
	h.at(4*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "admin@example.com", Approve: true}, &twiceErr)
	label := "deployed to staging"
	h.at(10*time.Minute, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess, StatusLabel: &label}, &reportErr)
	s := h.execute()

	if errType(selfErr) != string(slipway.CodePermission) {
		t.Errorf("requester approving own run: %v", selfErr)
	}
	if errType(strangerErr) != string(slipway.CodePermission) {
		t.Errorf("non-approver: %v", strangerErr)
	}
	if approveErr != nil || reportErr != nil {
		t.Fatalf("approve %v, report %v", approveErr, reportErr)
	}
	if errType(twiceErr) != string(slipway.CodePrecondition) {
		t.Errorf("deciding after the run was approved: %v", twiceErr)
	}
	if s.Status != runs.StatusSuccess || s.StatusLabel != label {
		t.Fatalf("final %+v", s)
	}
	if h.saved[0].Status != runs.StatusInProgress || h.saved[0].Approvals == nil {
		t.Errorf("first save %+v, want the approved state", h.saved[0])
	}
	if h.calls != 1 {
		t.Errorf("backend called %d times", h.calls)
	}
}

// When the action's approval condition waived approval for this run, the
// backend is called at once and nobody can decide.
func TestWaivedApprovalCallsTheBackendAtOnce(t *testing.T) {
	h := newHarness(t, definition(t, `{"type": "ANY", "when": ".inputs.replicas > 5"}`, false))
	h.in.ApprovalWaived, h.in.Approvers = true, nil
	var decideErr, reportErr error
	h.at(time.Second, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &decideErr)
	h.at(2*time.Second, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess}, &reportErr)
	s := h.execute()
	if s.Status != runs.StatusSuccess || h.calls != 1 || reportErr != nil {
		t.Fatalf("final %+v after %d backend calls (report: %v)", s, h.calls, reportErr)
	}
	if errType(decideErr) != string(slipway.CodePrecondition) {
		t.Errorf("deciding a run that needed no approval: %v", decideErr)
	}
}

func TestAllApprovalNeedsEveryApprover(t *testing.T) {
	h := newHarness(t, definition(t, `{"type":"ALL"}`, true))
	var e1, e2, e3 error
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &e1)
	h.at(2*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &e2)
	var stateAfterFirst runs.State
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(runs.QueryState)
		if err == nil {
			_ = v.Get(&stateAfterFirst)
		}
	}, 90*time.Second)
	h.at(3*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "admin@example.com", Approve: true}, &e3)
	s := h.execute()
	if e1 != nil || e3 != nil {
		t.Fatalf("approvals: %v %v", e1, e3)
	}
	if errType(e2) != string(slipway.CodePrecondition) {
		t.Errorf("deciding twice: %v", e2)
	}
	if stateAfterFirst.Status != runs.StatusWaitingForApproval || len(stateAfterFirst.Decisions) != 1 {
		t.Errorf("after one of two approvals: %+v", stateAfterFirst)
	}
	if s.Status != runs.StatusSuccess {
		t.Fatalf("final %+v", s)
	}
}

func TestDeclineEndsTheRunWithoutCallingTheBackend(t *testing.T) {
	h := newHarness(t, definition(t, `{"type":"ALL"}`, true))
	var e1, e2 error
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &e1)
	h.at(2*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "admin@example.com", Approve: false, Reason: "not today"}, &e2)
	s := h.execute()
	if s.Status != runs.StatusDeclined || !strings.Contains(s.StatusLabel, "not today") {
		t.Fatalf("final %+v", s)
	}
	if h.calls != 0 {
		t.Error("a declined run called its backend")
	}
}

func TestApprovalExpires(t *testing.T) {
	h := newHarness(t, definition(t, "true", true))
	var late error
	h.at(25*time.Hour, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &late)
	s := h.execute()
	if s.Status != runs.StatusExpired {
		t.Fatalf("final %+v", s)
	}
	if h.calls != 0 {
		t.Error("an expired run called its backend")
	}
	if h.env.Now().Sub(h.in.CreatedAt) < 24*time.Hour {
		t.Errorf("expired after %s, before the 1d TTL", h.env.Now().Sub(h.in.CreatedAt))
	}
}

func TestBackendRetriedThenSucceeds(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	h.webhook = func(attempt int) (activities.CallWebhookResult, error) {
		if attempt < 3 {
			return activities.CallWebhookResult{}, errors.New("backend answered 503 Service Unavailable")
		}
		return activities.CallWebhookResult{StatusCode: 200}, nil
	}
	s := h.execute()
	if s.Status != runs.StatusSuccess || h.calls != 3 {
		t.Fatalf("final %+v after %d calls", s, h.calls)
	}
}

func TestPermanentBackendErrorFailsAtOnce(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	h.webhook = func(int) (activities.CallWebhookResult, error) {
		return activities.CallWebhookResult{StatusCode: 404}, temporal.NewNonRetryableApplicationError("backend answered 404 Not Found", activities.ErrTypeBackendRejected, nil)
	}
	s := h.execute()
	if s.Status != runs.StatusFailure || s.StatusLabel != "backend answered 404 Not Found" || h.calls != 1 {
		t.Fatalf("final %+v after %d calls", s, h.calls)
	}
}

func TestRetriesExhaustedFailTheRun(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	h.webhook = func(int) (activities.CallWebhookResult, error) {
		return activities.CallWebhookResult{}, errors.New("backend unreachable")
	}
	s := h.execute()
	if s.Status != runs.StatusFailure || h.calls != 4 {
		t.Fatalf("final %+v after %d calls (policy allows 4)", s, h.calls)
	}
}

func TestAsyncRunTimesOut(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	s := h.execute()
	if s.Status != runs.StatusFailure || !strings.Contains(s.StatusLabel, "timed out") {
		t.Fatalf("final %+v", s)
	}
	if elapsed := h.env.Now().Sub(h.in.CreatedAt); elapsed < 2*time.Hour {
		t.Errorf("timed out after %s, before the 2h run timeout", elapsed)
	}
}

// A synchronous call that keeps failing stops at the run's timeout, on its
// own deadline (CodeVersion 4 starts no timer beside it).
func TestSyncRunStopsAtItsTimeout(t *testing.T) {
	def := definition(t, "false", true)
	def.RetryPolicy.MaximumAttempts = 10000
	h := newHarness(t, def)
	h.in.CodeVersion = runs.CodeVersion
	h.webhook = func(int) (activities.CallWebhookResult, error) {
		return activities.CallWebhookResult{}, errors.New("backend answered 503 Service Unavailable")
	}
	start := h.env.Now()
	s := h.execute()
	if s.Status != runs.StatusFailure {
		t.Fatalf("final %+v", s)
	}
	if elapsed := h.env.Now().Sub(start); elapsed < 2*time.Hour-2*time.Minute || elapsed > 2*time.Hour+2*time.Minute {
		t.Errorf("ended after %s, want the 2h run timeout", elapsed)
	}
}

func TestCancelWhileWaitingThenChangesAreRefused(t *testing.T) {
	h := newHarness(t, definition(t, "true", false))
	var cancelErr, sameTimeErr error
	h.at(time.Minute, runs.UpdateCancel, runs.CancelRequest{By: "dev1@example.com", Reason: "wrong inputs"}, &cancelErr)
	// Delivered in the same workflow task, after the cancel: the validator refuses it.
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &sameTimeErr)
	s := h.execute()
	if cancelErr != nil || s.Status != runs.StatusCancelled || !strings.Contains(s.StatusLabel, "wrong inputs") {
		t.Fatalf("cancel %v, final %+v", cancelErr, s)
	}
	if errType(sameTimeErr) != string(slipway.CodePrecondition) {
		t.Errorf("approval after cancel: %v", sameTimeErr)
	}
	if h.calls != 0 {
		t.Error("a run cancelled before approval called its backend")
	}
}

func TestCancelWhileInProgress(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	var cancelErr error
	h.at(time.Minute, runs.UpdateCancel, runs.CancelRequest{By: "admin@example.com"}, &cancelErr)
	s := h.execute()
	if cancelErr != nil || s.Status != runs.StatusCancelled || s.StatusLabel != "cancelled by admin@example.com" {
		t.Fatalf("cancel %v, final %+v", cancelErr, s)
	}
}

func TestLogsKeepTheirOrderAndEndTheRun(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	const n = 300
	errs := make([]error, n+1)
	for i := range n {
		h.at(time.Duration(i+1)*time.Second, runs.UpdateLog, runs.LogRequest{Message: fmt.Sprintf("line %d", i+1)}, &errs[i])
	}
	h.at(time.Duration(n+1)*time.Second, runs.UpdateLog, runs.LogRequest{Message: "done", TerminationStatus: runs.StatusSuccess, StatusLabel: "all good"}, &errs[n])
	var bad error
	h.at(time.Duration(n+2)*time.Second, runs.UpdateLog, runs.LogRequest{Message: " "}, &bad)
	s := h.execute()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("log %d refused: %v", i+1, err)
		}
	}
	if s.Status != runs.StatusSuccess || s.StatusLabel != "all good" {
		t.Fatalf("final %+v", s)
	}
	if len(h.logs) != n+1 {
		t.Fatalf("%d lines stored, want %d", len(h.logs), n+1)
	}
	for i, l := range h.logs {
		if l.Seq != int64(i+1) {
			t.Fatalf("line %d has seq %d", i, l.Seq)
		}
	}
	if h.logs[n].Message != "done" || s.LogCount != n+1 {
		t.Errorf("last line %+v, count %d", h.logs[n], s.LogCount)
	}
}

func TestBadReportsAreRefused(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	var badStatus, emptyLog, badTermination, ok error
	h.at(time.Minute, runs.UpdateReport, runs.ReportRequest{Status: "DONE"}, &badStatus)
	h.at(2*time.Minute, runs.UpdateLog, runs.LogRequest{Message: ""}, &emptyLog)
	h.at(3*time.Minute, runs.UpdateLog, runs.LogRequest{Message: "x", TerminationStatus: "MAYBE"}, &badTermination)
	h.at(4*time.Minute, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusFailure}, &ok)
	s := h.execute()
	for name, err := range map[string]error{"status": badStatus, "empty log": emptyLog, "termination": badTermination} {
		if errType(err) != string(slipway.CodeInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if ok != nil || s.Status != runs.StatusFailure {
		t.Fatalf("final %+v, %v", s, ok)
	}
}

// A chatty backend: the run continues as new to bound its history, carries
// its state over, and loses no line.
func TestHundredThousandLogLinesContinueAsNewWithoutLoss(t *testing.T) {
	const total = 100000
	def := definition(t, "false", false)
	in := runs.Input{}
	rounds := 0
	var stored []runs.LogLine
	sent := 0
	for round := 0; sent < total || round == 0; round++ {
		if round > 1000 {
			t.Fatal("too many continue-as-new rounds")
		}
		h := newHarness(t, def)
		h.in.ContinueAsNewAfter = 2000 // small, so the test sees many rounds
		if round > 0 {
			h.in = in
		}
		rounds++
		// The backend keeps sending; each round sees the next window of lines
		// (the test environment slows down with thousands of pending timers).
		start := sent
		end := min(total, start+500)
		errs := make([]error, end-start)
		for i := start; i < end; i++ {
			msg := runs.LogRequest{Message: fmt.Sprintf("line %d", i+1)}
			if i == total-1 {
				msg.TerminationStatus = runs.StatusSuccess
			}
			h.at(time.Duration(i-start+1)*time.Millisecond, runs.UpdateLog, msg, &errs[i-start])
		}
		h.env.ExecuteWorkflow(workflows.Run, h.in)
		stored = append(stored, h.logs...)
		accepted := 0
		for _, e := range errs {
			if e == nil {
				accepted++
			} else {
				break
			}
		}
		var can *workflow.ContinueAsNewError
		err := h.env.GetWorkflowError()
		if err == nil {
			sent += accepted
			break
		}
		if !errors.As(err, &can) {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
			t.Fatal(err)
		}
		sent = int(in.State.LogCount)
	}
	if rounds < 3 {
		t.Errorf("the run continued as new %d times; want a bounded history", rounds-1)
	}
	if len(stored) != total {
		t.Fatalf("%d lines stored, want %d", len(stored), total)
	}
	for i, l := range stored {
		if l.Seq != int64(i+1) || l.Message != fmt.Sprintf("line %d", i+1) {
			t.Fatalf("line %d: %+v", i, l)
		}
	}
}

func deleteDefinition(t *testing.T) actions.Definition {
	t.Helper()
	d, err := actions.Parse([]byte(`{"identifier": "delete_env", "trigger": {"type": "self-service", "operation": "DELETE",
	  "blueprintIdentifier": "environment", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "http://backend.invalid/delete", "synchronized": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSuccessfulDeleteRunRemovesItsEntity(t *testing.T) {
	h := newHarness(t, deleteDefinition(t))
	h.in.Inputs = map[string]any{}
	h.in.Entity = "pr-42"
	h.in.EntitySnapshot = map[string]any{"identifier": "pr-42", "blueprint": "environment", "properties": map[string]any{"region": "eu"}}
	s := h.execute()
	if s.Status != runs.StatusSuccess {
		t.Fatalf("final %+v", s)
	}
	if len(h.deleted) != 1 || h.deleted[0] != (activities.DeleteEntityInput{Blueprint: "environment", Identifier: "pr-42", RunID: h.in.RunID}) {
		t.Errorf("deleted %+v", h.deleted)
	}
	entity, _ := h.payloads[0]["entity"].(map[string]any)
	if props, _ := entity["properties"].(map[string]any); props["region"] != "eu" {
		t.Errorf("payload entity %v", h.payloads[0]["entity"])
	}
}

func TestFailedDeleteRunKeepsItsEntity(t *testing.T) {
	h := newHarness(t, deleteDefinition(t))
	h.in.Inputs = map[string]any{}
	h.in.Entity = "pr-42"
	h.webhook = func(int) (activities.CallWebhookResult, error) {
		return activities.CallWebhookResult{StatusCode: 200, Body: json.RawMessage(`{"status": "FAILURE", "statusLabel": "cluster busy"}`)}, nil
	}
	s := h.execute()
	if s.Status != runs.StatusFailure || s.StatusLabel != "cluster busy" {
		t.Fatalf("final %+v", s)
	}
	if len(h.deleted) != 0 {
		t.Errorf("a failed DELETE run deleted its entity: %+v", h.deleted)
	}
}
