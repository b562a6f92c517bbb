package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/workflows"
)

// noQueries is a Temporal client whose workflow queries fail the test.
type noQueries struct {
	client.Client
	t *testing.T
}

func (c noQueries) QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error) {
	c.t.Errorf("the inbox queried workflow %s", workflowID)
	return c.Client.QueryWorkflow(ctx, workflowID, runID, queryType, args...)
}

// The approvals inbox reads the rows alone: after one of ALL approvers
// decides (the update answered), the row holds that decision and the
// stage's approvers, so the inbox lists the run to the other approver
// only, without asking the workflow.
func TestInboxReadsRowsAlone(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	backend := testkit.MustBackend(t)
	def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q},
	  "requiredApproval": {"type": "ALL"}, "approvers": {"users": ["a@example.com", "b@example.com"]}}`, backend.URL))
	if err != nil {
		t.Fatal(err)
	}
	srv := serverWithWorker(t, &activities.Activities{Store: store, WebhookSecret: []byte("s3cret")})
	in := runs.Input{
		RunID: uuid.NewString(), Action: def, Inputs: map[string]any{}, Approvers: []string{"a@example.com", "b@example.com"},
		Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: "API",
		RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
		CodeVersion: runs.CodeVersion,
	}
	if _, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in); err != nil {
		t.Fatal(err)
	}
	svc := &selfservice.Service{Store: store, Temporal: noQueries{srv.Client, t}}
	a := slipway.User{ID: uuid.New(), Email: "a@example.com", Role: slipway.RoleMember}
	b := slipway.User{ID: uuid.New(), Email: "b@example.com", Role: slipway.RoleMember}
	inbox := func(u slipway.User) int {
		t.Helper()
		got, err := svc.AwaitingDecision(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	testkit.WaitUntil(t, 30*time.Second, "the run's row", func() bool { return inbox(a) == 1 })

	h, err := srv.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: runs.WorkflowID(in.RunID), UpdateName: runs.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{runs.DecideRequest{Approver: "a@example.com", Approve: true}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	// The workflow saves the row right after the decision (the update's
	// answer may reach the caller a moment before the save commits).
	testkit.WaitUntil(t, 30*time.Second, "a's decision in the row", func() bool { return inbox(a) == 0 })
	if n := inbox(b); n != 1 {
		t.Errorf("b has %d runs to decide, want 1", n)
	}
}
