package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

// ReconcileRunsInput bounds one round of the reconciler.
type ReconcileRunsInput struct {
	// Grace is how old a row must be before it is checked; 0: runs.WorkflowGrace.
	Grace time.Duration
	// MaxRows checked in one round; 0: 200.
	MaxRows int
}

// ReconcileRunsResult counts what one round did.
type ReconcileRunsResult struct {
	Checked, Confirmed, Ended int
}

// ReconcileRuns checks the rows no one has seen a workflow for (written by
// older versions, which wrote the row and then started the workflow: a
// crash between the two left a row no workflow would ever update). A row
// whose workflow runs is marked and never checked again; one whose workflow
// does not exist, or closed without saving the run's end, ends FAILURE
// with a label saying so.
func (a *Activities) ReconcileRuns(ctx context.Context, in ReconcileRunsInput) (ReconcileRunsResult, error) {
	if in.Grace <= 0 {
		in.Grace = runs.WorkflowGrace
	}
	if in.MaxRows <= 0 {
		in.MaxRows = 200
	}
	rows, err := a.Store.Q.ListRunsToReconcile(ctx, queries.ListRunsToReconcileParams{
		CreatedBefore: time.Now().Add(-in.Grace), MaxRows: int32(in.MaxRows),
	})
	if err != nil {
		return ReconcileRunsResult{}, fmt.Errorf("list runs to reconcile: %w", err)
	}
	var res ReconcileRunsResult
	for _, r := range rows {
		res.Checked++
		label, lost, err := a.workflowLost(ctx, r.ID.String())
		if err != nil {
			return res, err // Temporal is unreachable: the next round tries again
		}
		if !lost {
			if err := a.Store.Q.MarkRunWorkflowStarted(ctx, r.ID); err != nil {
				return res, err
			}
			res.Confirmed++
			continue
		}
		if _, ended, err := selfservice.EndRunWithoutWorkflow(ctx, a.Store, slipway.User{}, r.ID, runs.StatusFailure, label); err != nil {
			return res, err
		} else if ended {
			res.Ended++
		}
	}
	return res, nil
}

// workflowLost describes run id's workflow: lost is true, with the label
// its row should end with, when it does not exist or has closed.
func (a *Activities) workflowLost(ctx context.Context, id string) (label string, lost bool, err error) {
	if a.Temporal == nil {
		return "", false, errors.New("reconcile runs: the worker has no Temporal client")
	}
	d, err := a.Temporal.DescribeWorkflowExecution(ctx, runs.WorkflowID(id), "")
	switch {
	case runs.WorkflowMissing(err):
		return runs.LabelNeverStarted, true, nil
	case err != nil:
		return "", false, fmt.Errorf("describe the workflow of run %s: %w", id, err)
	}
	status := d.GetWorkflowExecutionInfo().GetStatus()
	switch status {
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING, enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "", false, nil
	}
	return runs.LabelEndedUnrecorded(status.String()), true, nil
}
