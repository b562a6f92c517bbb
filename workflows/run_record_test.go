package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/workflows"
)

// The workflow writes its own row before anything else, so a starter that
// died right after starting it leaves a run that shows up and proceeds.
func TestRunRecordsItsRowBeforeAnythingElse(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	h.in.RequestHash = []byte("request")
	var callsBefore, savesBefore = -1, -1
	h.recordRun = func(runs.Record) error {
		callsBefore, savesBefore = h.calls, len(h.saved)
		return nil
	}
	s := h.execute()
	if s.Status != runs.StatusSuccess {
		t.Fatalf("final %+v", s)
	}
	if len(h.records) != 1 {
		t.Fatalf("row written %d times, want once", len(h.records))
	}
	if callsBefore != 0 || savesBefore != 0 {
		t.Errorf("row written after %d backend calls and %d saves, want first of all", callsBefore, savesBefore)
	}
	// As stored: the workflow's record went through Temporal's payloads.
	got, _ := json.Marshal(h.records[0])
	want, _ := json.Marshal(runs.RecordOf(h.in))
	if string(got) != string(want) {
		t.Errorf("workflow wrote\n%s\nwant the starter's record\n%s", got, want)
	}
}

// A row the database refuses for good (say the requester was deleted)
// fails the workflow before the backend is called: no run, no call.
func TestARefusedRowFailsTheRunBeforeItsBackend(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	h.recordRun = func(runs.Record) error { return refused("record run") }
	h.env.ExecuteWorkflow(workflows.Run, h.in)
	if err := h.env.GetWorkflowError(); err == nil {
		t.Fatal("the workflow went on without its row")
	}
	if h.calls != 0 || len(h.saved) != 0 {
		t.Errorf("%d backend calls and %d saves without a row", h.calls, len(h.saved))
	}
}

// A database that is down only delays the row, however long (here ten
// minutes): the step is retried until it is written.
func TestTheRowIsRetriedUntilWritten(t *testing.T) {
	h := newHarness(t, definition(t, "false", true))
	failures := 0
	var downUntil time.Time
	h.recordRun = func(runs.Record) error {
		if downUntil.IsZero() {
			downUntil = h.env.Now().Add(10 * time.Minute)
		}
		if h.env.Now().Before(downUntil) {
			failures++
			return errors.New("connection refused")
		}
		return nil
	}
	if s := h.execute(); s.Status != runs.StatusSuccess || len(h.records) != 1 || h.calls != 1 {
		t.Fatalf("final %+v after %d failures, %d rows, %d calls", s, failures, len(h.records), h.calls)
	}
}

func TestRunRecordOf(t *testing.T) {
	no := false
	def := definition(t, "true", false)
	def.AllowAnyoneToViewRuns = &no
	in := runs.Input{
		RunID: "0f8e2d3a-0000-4000-8000-000000000002", Action: def, Inputs: map[string]any{"replicas": 2},
		Requester: runs.Person{ID: "u1", Email: "dev1@example.com"}, Origin: "API", RunToken: "slr_x",
		Approvers: []string{"b@example.com", "a@example.com"},
		Stages:    []runs.ApprovalStage{{Approvers: []string{"b@example.com", "a@example.com"}}, {Approvers: []string{"c@example.com", "a@example.com"}}},
		CreatedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	}
	rec := runs.RecordOf(in)
	if rec.Status != runs.StatusWaitingForApproval || rec.VisibleToAll || rec.RunToken != "slr_x" || rec.RequesterID != "u1" {
		t.Errorf("record %+v", rec)
	}
	if want := []string{"a@example.com", "b@example.com", "c@example.com"}; !reflect.DeepEqual(rec.Approvers, want) {
		t.Errorf("approvers %v, want every stage's: %v", rec.Approvers, want)
	}
	in.ApprovalWaived, in.Approvers, in.Stages = true, nil, nil
	if rec := runs.RecordOf(in); rec.Status != runs.StatusInProgress || rec.Approvers == nil || len(rec.Approvers) != 0 {
		t.Errorf("waived approval: %+v", rec)
	}
}

func TestRunReconcilerChecksEveryIntervalThenContinuesAsNew(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     bool
		attempts int
	}{
		{"rounds that succeed", false, 180},
		// Failed rounds are retried (3 attempts) and never end the reconciler.
		{"rounds that fail", true, 180 * 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			var a *activities.Activities
			var attempts []time.Time
			env.RegisterActivity(a.ReconcileRuns)
			env.OnActivity(a.ReconcileRuns, mock.Anything, mock.Anything).Return(
				func(_ context.Context, in activities.ReconcileRunsInput) (activities.ReconcileRunsResult, error) {
					attempts = append(attempts, env.Now())
					if tc.fail {
						return activities.ReconcileRunsResult{}, errors.New("temporal unavailable")
					}
					return activities.ReconcileRunsResult{Checked: 1, Ended: 1}, nil
				})
			env.ExecuteWorkflow(workflows.RunReconciler, workflows.RunReconcilerInput{})
			var can *workflow.ContinueAsNewError
			if err := env.GetWorkflowError(); !errors.As(err, &can) {
				t.Fatalf("want continue-as-new to bound the history, got %v", err)
			}
			if len(attempts) != tc.attempts {
				t.Fatalf("%d activity attempts, want %d", len(attempts), tc.attempts)
			}
			if gap := attempts[1].Sub(attempts[0]); !tc.fail && gap != 10*time.Second {
				t.Errorf("rounds %s apart, want 10s", gap)
			}
		})
	}
}
