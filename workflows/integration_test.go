package workflows_test

import (
	"context"
	"os"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	filterpb "go.temporal.io/api/filter/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/worker"
	"github.com/slipwayhq/slipway/workflows"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

const housekeepingHistory = "testdata/housekeeping_history.json"

// Housekeeping on a real Temporal server with real activities on a real
// PostgreSQL: expired sessions disappear, live ones stay.
func TestHousekeepingOnRealServer(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	dev, _ := ident.UserByEmail(ctx, "dev1@example.com")
	if _, err := ident.CreateSession(ctx, dev.ID, -time.Minute); err != nil {
		t.Fatal(err)
	}
	live, err := ident.CreateSession(ctx, dev.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	srv := temporaltest.MustStart(t)
	w := worker.New(srv.Client, &activities.Activities{Identity: ident})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.HousekeepingWorkflowID, TaskQueue: workflows.TaskQueue,
	}, workflows.Housekeeping, workflows.HousekeepingInput{Interval: 20 * time.Millisecond, Rounds: 3})
	if err != nil {
		t.Fatal(err)
	}

	testkit.WaitUntil(t, 20*time.Second, "the first run to continue as new", func() bool {
		d, err := srv.Client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
	})
	var sessions int
	if err := store.Pool.QueryRow(ctx, "SELECT count(*) FROM sessions").Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if sessions != 1 {
		t.Errorf("%d sessions left, want only the live one", sessions)
	}
	if _, err := ident.SessionUser(ctx, live); err != nil {
		t.Errorf("live session was purged: %v", err)
	}

	// Starting it again from another worker keeps the one running workflow.
	if err := worker.StartHousekeeping(ctx, srv.Client); err != nil {
		t.Fatal(err)
	}
	list, err := srv.Client.ListOpenWorkflow(ctx, openHousekeeping())
	if err == nil && len(list.GetExecutions()) > 1 {
		t.Errorf("%d housekeeping workflows run at once", len(list.GetExecutions()))
	}

	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), housekeepingHistory)
	}
}

// The committed history must replay on today's code: a change that breaks
// determinism for runs in flight fails here.
func TestHousekeepingReplaysCommittedHistory(t *testing.T) {
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflow(workflows.Housekeeping)
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, housekeepingHistory); err != nil {
		t.Fatalf("replay %s: %v", housekeepingHistory, err)
	}
}

// A run that was approved, called its backend, took logs and a status
// update and succeeded, recorded on the real server.
func TestRunReplaysCommittedHistory(t *testing.T) {
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: runs.WorkflowName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/run_history.json"); err != nil {
		t.Fatalf("replay: %v", err)
	}
}

func openHousekeeping() *workflowservice.ListOpenWorkflowExecutionsRequest {
	return &workflowservice.ListOpenWorkflowExecutionsRequest{
		Filters: &workflowservice.ListOpenWorkflowExecutionsRequest_ExecutionFilter{
			ExecutionFilter: &filterpb.WorkflowExecutionFilter{WorkflowId: workflows.HousekeepingWorkflowID},
		},
	}
}
