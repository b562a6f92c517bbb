package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
)

// RunReconcilerWorkflowID is fixed: one reconciler per namespace, however
// many workers start it.
const RunReconcilerWorkflowID = "slipway-run-reconciler"

// RunReconcilerInput is the input of RunReconciler.
type RunReconcilerInput struct {
	// Interval between rounds; default 10 seconds.
	Interval time.Duration
	// Grace is how old a row must be before it is checked; default
	// runs.WorkflowGrace.
	Grace time.Duration
	// Rounds bounds one run's history, then it continues as new; default 180.
	Rounds int
}

// RunReconciler ends the runs an older version left without a workflow.
// Those versions wrote a run's row and then started its workflow, so a
// process killed between the two left a row IN_PROGRESS for ever. Every
// Interval, rows no workflow has been seen for and older than Grace are
// checked: a row whose workflow runs is marked (and never checked again),
// one whose workflow does not exist ends FAILURE ("lost: its workflow
// never started"). Rows written by this version are marked when written
// (their workflow starts first), so a round costs one indexed query that
// finds nothing.
func RunReconciler(ctx workflow.Context, in RunReconcilerInput) error {
	if in.Interval <= 0 {
		in.Interval = 10 * time.Second
	}
	if in.Rounds <= 0 {
		in.Rounds = 180
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var a *activities.Activities
	for range in.Rounds {
		var res activities.ReconcileRunsResult
		// A failed round (Temporal or the database briefly down) is logged
		// and tried again next round: the reconciler never ends on its own.
		err := workflow.ExecuteActivity(ctx, a.ReconcileRuns, activities.ReconcileRunsInput{Grace: in.Grace}).Get(ctx, &res)
		if err != nil {
			workflow.GetLogger(ctx).Warn("run reconciliation failed", "err", err)
		} else if res.Ended > 0 {
			workflow.GetLogger(ctx).Warn("ended runs whose workflow was lost", "count", res.Ended)
		}
		if err := workflow.Sleep(ctx, in.Interval); err != nil {
			return err
		}
	}
	return workflow.NewContinueAsNewError(ctx, RunReconciler, in)
}
