package workflows_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
)

// phaseTimersHistory is a run of CodeVersion 3: its approval and
// run-timeout timers are cancelled when their phases end.
const phaseTimersHistory = "testdata/run_phase_timers_history.json"

// On a real server a run of CodeVersion 3 cancels each phase's timer when
// the phase ends, and records no version marker.
func TestRunCancelsPhaseTimersOnRealServer(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	backend := testkit.MustBackend(t)
	def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q}, "requiredApproval": true}`, backend.URL))
	if err != nil {
		t.Fatal(err)
	}
	srv := temporaltest.MustStart(t)
	startWorker(t, srv, store)
	in := runs.Input{
		RunID: uuid.NewString(), Action: def, Inputs: map[string]any{},
		Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: runs.OriginAPI,
		Approvers: []string{"approver@example.com"}, CodeVersion: runs.CodeVersion,
		RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: runs.TaskQueue}, runs.WorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	// Approved once it waits: its approval timer runs.
	testkit.WaitUntil(t, 30*time.Second, "the approval timer to start", func() bool {
		started, _, _ := timerEvents(t, srv.Client, run)
		return started == 1
	})
	update(t, srv.Client, run.GetID(), runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true})
	backend.AwaitCalls(t, 1, 30*time.Second) // approved
	update(t, srv.Client, run.GetID(), runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess})
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run.Get(waitCtx, nil); err != nil {
		t.Fatalf("the run's workflow: %v", err)
	}

	started, cancelled, markers := timerEvents(t, srv.Client, run)
	if started != 2 || cancelled != 2 {
		t.Errorf("%d phase timers started, %d cancelled; want 2 and 2 (approval TTL, run timeout)", started, cancelled)
	}
	if markers != 0 {
		t.Errorf("%d version markers, want none (the input carries CodeVersion)", markers)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), phaseTimersHistory)
	}
}

// timerEvents counts the phase timers a run's history started and
// cancelled, and its version markers.
func timerEvents(t *testing.T, c client.Client, run client.WorkflowRun) (started, cancelled, markers int) {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch e.GetEventType() {
		case enums.EVENT_TYPE_TIMER_STARTED:
			if e.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration() > time.Minute {
				started++ // the phase timers, not answerUpdatesFirst's millisecond
			}
		case enums.EVENT_TYPE_TIMER_CANCELED:
			cancelled++
		case enums.EVENT_TYPE_MARKER_RECORDED:
			if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "Version" {
				markers++
			}
		}
	}
	return started, cancelled, markers
}
