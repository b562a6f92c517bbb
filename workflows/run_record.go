package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
)

// A run exists if and only if its workflow exists. Of the designs that
// give this (a reconciler that starts or fails rows left without a
// workflow; update-with-start; workflow first), Slipway starts the workflow
// first and lets both the starter and the workflow write the row:
//
//   - a crash before the start leaves nothing: no row, no workflow;
//   - a crash between the start and the starter's write leaves a workflow
//     whose first step (RecordRun, below) writes the row, so the run
//     proceeds and shows up moments later;
//   - both writes are INSERT ... ON CONFLICT DO NOTHING of the same record
//     (runs.RecordOf), so whichever comes second changes nothing.
//
// The starter still writes the row itself so that a caller who reads the
// run right after ExecuteAction finds it even when no worker has picked
// the workflow up yet. A reconciler alone would leave a window in which a
// row shows a run that may never happen; update-with-start would make every
// start wait for a worker. The row step is a local activity: no task-queue
// round trip, so a run costs no more server work than before.

// record writes the run's row unless its starter did (see above). It is
// retried until it succeeds: the row is what makes the run visible, and a
// database that is down now will be back. A write PostgreSQL refuses for
// good fails the workflow before the backend is ever called.
func (r *run) record(ctx workflow.Context) error {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// Without it the SDK stops retrying at StartToCloseTimeout; a week
		// is time for an operator to bring a database back.
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 100 * time.Millisecond, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrTypeStorageRefused},
		},
	})
	var a *activities.Activities
	return workflow.ExecuteLocalActivity(ctx, a.RecordRun, runs.RecordOf(r.in)).Get(ctx, nil)
}
