package workflows_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/workflows"
)

// Live pages read rows alone (selfservice.Stored): a report that leaves
// the run going (a label, links, a summary) reaches the row, so a viewer
// woken by its notification sees it without asking the workflow.
func TestRowsHoldReportsForLivePages(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	backend := testkit.MustBackend(t)
	def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q}}`, backend.URL))
	if err != nil {
		t.Fatal(err)
	}
	srv := serverWithWorker(t, &activities.Activities{Store: store, WebhookSecret: []byte("s3cret")})
	in := runs.Input{
		RunID: uuid.NewString(), Action: def, Inputs: map[string]any{},
		Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: "API",
		RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
		CodeVersion: runs.CodeVersion,
	}
	if _, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in); err != nil {
		t.Fatal(err)
	}
	svc := &selfservice.Service{Store: store, Temporal: noQueries{srv.Client, t}}
	// The report comes after the row's save that follows the backend call
	// (which would carry it otherwise): after the task that took the call's
	// result completed.
	testkit.WaitUntil(t, 30*time.Second, "the backend call's result taken", func() bool {
		var called, taken bool
		iter := srv.Client.GetWorkflowHistory(ctx, runs.WorkflowID(in.RunID), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			switch e.GetEventType() {
			case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
				called = true
			case enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				taken = called
			}
		}
		return taken
	})
	label, summary, links := "deploying to eu-west-1", "2 of 3 regions", []string{"https://ci.example.com/build/7"}
	h, err := srv.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: runs.WorkflowID(in.RunID), UpdateName: runs.UpdateReport, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{runs.ReportRequest{StatusLabel: &label, Summary: &summary, Links: &links}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 30*time.Second, "the report in the run's row", func() bool {
		run, err := svc.Stored(ctx, in.RunID)
		if err != nil {
			t.Fatal(err)
		}
		return run.StatusLabel == label && run.Summary == summary && slices.Equal(run.Links, links)
	})
	run, err := svc.Stored(ctx, in.RunID)
	if err != nil || run.Status != runs.StatusInProgress {
		t.Fatalf("run %+v, err %v: want it still in progress", run, err)
	}
	h, err = srv.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: runs.WorkflowID(in.RunID), UpdateName: runs.UpdateReport, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{runs.ReportRequest{Status: runs.StatusSuccess}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err == nil {
		err = srv.Client.GetWorkflow(ctx, runs.WorkflowID(in.RunID), "").Get(ctx, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, srv.Client, runs.WorkflowID(in.RunID), "", reportsHistory)
	}
}

// reportsHistory is a run of CodeVersion 4 or later taking a report that
// leaves it going, then one that ends it.
const reportsHistory = "testdata/run_reports_4_history.json"
