package workflows_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/workflows"
)

// keyedLogsHistory is a run that took keyed lines, retried (the branch
// versioned "log-keys").
const keyedLogsHistory = "testdata/run_keyed_logs_history.json"

// On a real server, real activities and PostgreSQL: a keyed line sent five
// times at once under its update ID, and again under a fresh ID, is stored
// once; the line that ended the run, retried after the workflow closed, is
// answered by Temporal with its first seq.
func TestKeyedLinesOnRealServer(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	dev, err := ident.UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tc, def := startRealRuns(t, store)
	runID := pgtest.InProgressRun(t, store, dev.ID, "deploy")
	in := runs.Input{
		RunID: runID.String(), Action: def, Inputs: map[string]any{},
		Requester: runs.Person{ID: dev.ID.String(), Email: dev.Email}, Origin: "API",
		RunToken: "slr_test", CreatedAt: time.Now().UTC(),
	}
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: runs.TaskQueue}, runs.WorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	send := func(updateID string, req runs.LogRequest) (int64, error) {
		h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: run.GetID(), UpdateID: updateID, UpdateName: runs.UpdateLog,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{req},
		})
		var seq int64
		if err == nil {
			err = h.Get(ctx, &seq)
		}
		return seq, err
	}

	var wg sync.WaitGroup
	var seqs [5]int64
	var errs [5]error
	for i := range seqs {
		wg.Go(func() { seqs[i], errs[i] = send(runs.LogUpdateID("build-1"), keyed("build-1", "building")) })
	}
	wg.Wait()
	fresh, freshErr := send("", keyed("build-1", "building"))
	plain, plainErr := send("", runs.LogRequest{Message: "plain"})
	end := runs.LogRequest{Message: "done", IdempotencyKey: "build-2", TerminationStatus: runs.StatusSuccess, StatusLabel: "deployed"}
	last, lastErr := send(runs.LogUpdateID("build-2"), end)
	for i := range seqs {
		if errs[i] != nil || seqs[i] != 1 {
			t.Errorf("concurrent send %d: seq %d, %v", i+1, seqs[i], errs[i])
		}
	}
	if freshErr != nil || fresh != 1 || plainErr != nil || plain != 2 || lastErr != nil || last != 3 {
		t.Fatalf("fresh ID %d %v, plain %d %v, last %d %v", fresh, freshErr, plain, plainErr, last, lastErr)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run.Get(waitCtx, nil); err != nil {
		t.Fatalf("the run's workflow: %v", err)
	}
	if again, err := send(runs.LogUpdateID("build-2"), end); err != nil || again != 3 {
		t.Errorf("the last line retried after the workflow closed: seq %d, %v", again, err)
	}
	rows, err := store.Q.ListRunLogs(ctx, queries.ListRunLogsParams{RunID: runID, AfterSeq: 0, MaxLines: 100})
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, r := range rows {
		stored = append(stored, fmt.Sprintf("%d %s", r.Seq, r.Message))
	}
	if fmt.Sprint(stored) != "[1 building 2 plain 3 done]" {
		t.Errorf("stored %q", stored)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, tc, run.GetID(), run.GetRunID(), keyedLogsHistory)
	}
}

// The committed history of that branch replays on today's code.
func TestRunReplaysKeyedLogsHistory(t *testing.T) {
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: runs.WorkflowName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, keyedLogsHistory); err != nil {
		t.Fatalf("replay %s: %v", keyedLogsHistory, err)
	}
}
