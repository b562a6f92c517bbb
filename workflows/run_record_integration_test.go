package workflows_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/worker"
	"github.com/slipwayhq/slipway/workflows"
)

// recordRowHistory is a run whose workflow wrote its own row (the branch
// versioned "record-row").
const recordRowHistory = "testdata/run_record_row_history.json"

func seededUser(t *testing.T, store *db.Store, email string) uuid.UUID {
	t.Helper()
	ident := identity.New(store)
	if err := ident.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return pgtest.MustUser(t, ident, email).ID
}

// startWorker runs a worker with the real activities on store.
func startWorker(t *testing.T, srv *temporaltest.Server, store *db.Store) {
	t.Helper()
	w := worker.New(srv.Client, &activities.Activities{Store: store, WebhookSecret: []byte("s3cret"), Temporal: srv.Client})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

// The crash point between starting a run's workflow and writing its row
// (selfservice.CrashAfterStart): the starter wrote nothing, yet the
// workflow writes the row and the run proceeds to its end. The starter's
// write, coming late, changes nothing and audits nothing twice.
func TestRunWorkflowWritesItsOwnRow(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"status": "SUCCESS", "statusLabel": "deployed"}`))
	def, err := actions.Parse([]byte(fmt.Sprintf(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}`, backend.URL)))
	if err != nil {
		t.Fatal(err)
	}
	srv := temporaltest.MustStart(t)
	startWorker(t, srv, store)
	in := runs.Input{
		RunID: uuid.NewString(), Action: def, Inputs: map[string]any{},
		Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: "API",
		RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	// The starter "dies" here: it never writes the row.
	id := uuid.MustParse(in.RunID)
	var row queries.Run
	testkit.WaitUntil(t, 30*time.Second, "the run to end SUCCESS", func() bool {
		row, err = store.Q.GetRun(ctx, id)
		return err == nil && row.Status == runs.StatusSuccess && row.EndedAt != nil
	})
	if !row.WorkflowStarted || row.ActionIdentifier != "deploy" || row.RequestedBy != dev1 || !row.CreatedAt.Equal(in.CreatedAt) {
		t.Errorf("row %+v", row)
	}
	if got, err := store.Q.GetRunByTokenHash(ctx, identity.HashRunToken(in.RunToken)); err != nil || got.ID != id {
		t.Errorf("the run token does not find its run: %v", err)
	}
	// The starter's write, late: the row stays as the workflow left it.
	if _, inserted, err := selfservice.InsertRun(ctx, store, runs.RecordOf(in)); err != nil || inserted {
		t.Errorf("late write: inserted=%v err=%v", inserted, err)
	}
	if again, err := store.Q.GetRun(ctx, id); err != nil || again.Status != runs.StatusSuccess || again.Version != row.Version {
		t.Errorf("the late write changed the row: %+v %v", again, err)
	}
	var executes int
	if err := store.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE run_id = $1 AND verb = 'execute'", id).Scan(&executes); err != nil || executes != 1 {
		t.Errorf("%d execute events (err %v), want 1", executes, err)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), recordRowHistory)
	}
}

// The committed history of that branch replays on today's code.
func TestRunReplaysRecordRowHistory(t *testing.T) {
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: runs.WorkflowName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, recordRowHistory); err != nil {
		t.Fatalf("replay %s: %v", recordRowHistory, err)
	}
}

// Rows an older version left (row written, then the workflow started, or
// not): the reconciler ends those without a workflow, or whose workflow
// closed without saving their end, and marks those whose workflow runs;
// rows younger than the grace period may still get theirs and wait.
func TestRunReconcilerEndsOrphanRows(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	def, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": "http://backend.invalid/hook"},
	  "requiredApproval": true, "approvers": {"users": ["approver@example.com"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := temporaltest.MustStart(t)
	startWorker(t, srv, store)
	legacyRow := func(age time.Duration) runs.Input {
		t.Helper()
		in := runs.Input{
			RunID: uuid.NewString(), Action: def, Inputs: map[string]any{}, Approvers: []string{"approver@example.com"},
			Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: "API",
			RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().Add(-age).UTC(),
		}
		// As older versions wrote it: before the workflow, not marked.
		created := in.CreatedAt
		if _, err := store.Q.CreateRun(ctx, queries.CreateRunParams{
			ID: uuid.MustParse(in.RunID), ActionIdentifier: "deploy", Definition: []byte(`{}`), Inputs: []byte(`{}`),
			Status: runs.StatusWaitingForApproval, RequestedBy: dev1, Origin: "API",
			TokenHash: identity.HashRunToken(in.RunToken), Approvers: []string{}, CreatedAt: &created,
		}); err != nil {
			t.Fatal(err)
		}
		return in
	}
	start := func(in runs.Input) {
		t.Helper()
		if _, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in); err != nil {
			t.Fatal(err)
		}
	}
	orphan := legacyRow(5 * time.Minute)     // the process died before the start
	young := legacyRow(0)                    // its starter may start it any moment
	live := legacyRow(5 * time.Minute)       // started: waits for approval
	terminated := legacyRow(5 * time.Minute) // started, then terminated by an operator
	start(live)
	start(terminated)
	if err := srv.Client.TerminateWorkflow(ctx, runs.WorkflowID(terminated.RunID), "", "operator"); err != nil {
		t.Fatal(err)
	}

	if err := worker.StartRunReconciler(ctx, srv.Client, workflows.RunReconcilerInput{Interval: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	get := func(in runs.Input) queries.Run {
		row, err := store.Q.GetRun(ctx, uuid.MustParse(in.RunID))
		if err != nil {
			t.Fatal(err)
		}
		return row
	}
	testkit.WaitUntil(t, 30*time.Second, "the orphans to end and the live run to be marked", func() bool {
		return get(orphan).EndedAt != nil && get(terminated).EndedAt != nil && get(live).WorkflowStarted
	})
	if row := get(orphan); row.Status != runs.StatusFailure || row.StatusLabel != runs.LabelNeverStarted {
		t.Errorf("orphan %s %q", row.Status, row.StatusLabel)
	}
	if row := get(terminated); row.Status != runs.StatusFailure || row.StatusLabel != runs.LabelEndedUnrecorded("Terminated") {
		t.Errorf("terminated %s %q", row.Status, row.StatusLabel)
	}
	if row := get(live); row.EndedAt != nil || row.Status != runs.StatusWaitingForApproval {
		t.Errorf("live run touched: %s %q", row.Status, row.StatusLabel)
	}
	if row := get(young); row.EndedAt != nil || row.WorkflowStarted {
		t.Errorf("a row within its grace period was checked: %s %q", row.Status, row.StatusLabel)
	}
	var ends int
	if err := store.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE run_id = $1 AND verb = 'end'", orphan.RunID).Scan(&ends); err != nil || ends != 1 {
		t.Errorf("%d end events for the orphan (err %v), want 1", ends, err)
	}
}
