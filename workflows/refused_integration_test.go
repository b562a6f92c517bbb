package workflows_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/workflows"
)

// refusedLogsHistory is a run that went on past a log batch the database
// refused (the branch versioned "refused-writes").
const refusedLogsHistory = "testdata/run_refused_logs_history.json"

// On a real server with the real activities and PostgreSQL: a run whose
// row is gone (nothing a scrub can fix) gets its log batch refused
// non-retryable, and the workflow completes instead of retrying for ever.
func TestRefusedLogBatchOnRealServer(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	tc, def := startRealRuns(t, store)
	dev1 := seededUser(t, store, "dev1@example.com")
	in := runs.Input{
		RunID: uuid.NewString(), Action: def, Inputs: map[string]any{},
		Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: "API",
		RunToken: "slr_test", CreatedAt: time.Now().UTC(),
	}
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	// The workflow writes its row first; then the row goes.
	testkit.WaitUntil(t, 20*time.Second, "the run's row", func() bool {
		_, err := store.Q.GetRun(ctx, uuid.MustParse(in.RunID))
		return err == nil
	})
	if _, err := store.Pool.Exec(ctx, "DELETE FROM runs WHERE id = $1", in.RunID); err != nil {
		t.Fatal(err)
	}
	h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: run.GetID(), UpdateName: runs.UpdateLog, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{runs.LogRequest{Message: "orphan", TerminationStatus: runs.StatusSuccess, StatusLabel: "deployed"}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run.Get(waitCtx, nil); err != nil {
		t.Fatalf("the run's workflow: %v", err)
	}
	v, err := tc.QueryWorkflow(ctx, run.GetID(), run.GetRunID(), runs.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var st runs.State
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	if st.Status != runs.StatusSuccess || len(st.StorageNotes) != 1 || !strings.Contains(st.StorageNotes[0], "log line 1 could not be stored") {
		t.Errorf("final state %s %q %q", st.Status, st.StatusLabel, st.StorageNotes)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, tc, run.GetID(), run.GetRunID(), refusedLogsHistory)
	}
}

// The committed history of that branch replays on today's code.
func TestRunReplaysRefusedLogsHistory(t *testing.T) {
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: runs.WorkflowName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, refusedLogsHistory); err != nil {
		t.Fatalf("replay %s: %v", refusedLogsHistory, err)
	}
}
