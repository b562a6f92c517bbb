package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runevents"
)

// RunWorkflowID is the workflow ID of run runID (workflows.RunWorkflowID
// answers with this; it lives here because activities look runs' workflows
// up and cannot import workflows).
func RunWorkflowID(runID string) string { return "run-" + runID }

// Labels of runs ended because their workflow does not exist.
const (
	LabelNeverStarted = "lost: its workflow never started"
	// LabelGone ends a run whose row says its workflow started, which
	// Temporal no longer has (its data was lost or wiped).
	LabelGone = "lost: its workflow no longer exists in Temporal"
)

// LabelEndedUnrecorded is the label of a run whose workflow closed
// (terminated by an operator, failed by a bug) without saving its end.
func LabelEndedUnrecorded(workflowStatus string) string {
	return "lost: its workflow ended (" + workflowStatus + ") without recording the run's end"
}

// WorkflowGrace is how long a row written by an older version may wait for
// its workflow: those versions wrote the row first and started the
// workflow a moment later, so a younger row without a workflow may still get one.
const WorkflowGrace = time.Minute

// EndRunWithoutWorkflow gives the row of a run whose workflow does not
// exist its final state (no workflow will ever write one) and returns the
// row; ended is false when the row had ended already. The same
// transaction records the end in the audit log with by as its actor
// (zero: Slipway), after the events the end stands for (a user's cancel).
func EndRunWithoutWorkflow(ctx context.Context, store *db.Store, by slipway.User, id uuid.UUID, status, label string, causes ...audit.Event) (row queries.Run, ended bool, err error) {
	ctx = audit.WithRun(ctx, id.String())
	err = store.Change(ctx, func(tx db.Tx) error {
		row, err = tx.EndRunWithoutWorkflow(ctx, queries.EndRunWithoutWorkflowParams{ID: id, Status: status, StatusLabel: db.ScrubText(label, db.MaxText)})
		if errors.Is(err, pgx.ErrNoRows) {
			row, err = tx.GetRun(ctx, id)
			return err
		}
		if err != nil {
			return err
		}
		ended = true
		for _, e := range causes {
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
		}
		return audit.Note(ctx, tx, by, "end", audit.ResourceRun, id.String(), nil, map[string]any{"status": status, "statusLabel": row.StatusLabel})
	})
	if err != nil || !ended {
		return row, false, err
	}
	// Open pages of the run learn it has ended (or at their next safety poll).
	runevents.Announce(ctx, store.Pool, id.String(), runevents.Change{State: true})
	return row, true, nil
}

// WorkflowMissing reports whether err is Temporal saying a workflow does not exist.
func WorkflowMissing(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound)
}

// StatusFailure mirrors workflows.StatusFailure (activities cannot import workflows).
const StatusFailure = "FAILURE"

// ReconcileRunsInput bounds one round of the reconciler.
type ReconcileRunsInput struct {
	// Grace is how old a row must be before it is checked; 0: WorkflowGrace.
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
		in.Grace = WorkflowGrace
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
		if _, ended, err := EndRunWithoutWorkflow(ctx, a.Store, slipway.User{}, r.ID, StatusFailure, label); err != nil {
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
	d, err := a.Temporal.DescribeWorkflowExecution(ctx, RunWorkflowID(id), "")
	switch {
	case WorkflowMissing(err):
		return LabelNeverStarted, true, nil
	case err != nil:
		return "", false, fmt.Errorf("describe the workflow of run %s: %w", id, err)
	}
	status := d.GetWorkflowExecutionInfo().GetStatus()
	switch status {
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING, enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "", false, nil
	}
	return LabelEndedUnrecorded(status.String()), true, nil
}
