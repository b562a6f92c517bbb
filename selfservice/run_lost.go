package selfservice

import (
	"context"
	"log/slog"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/text"
)

// Rows without a workflow. This version writes a run's row only once its
// workflow exists, but older versions wrote the row first, and a process
// killed in between left a row that no workflow will ever update. GetRun
// and CancelRun tell the truth about such rows instead of calling them
// active or ended: reading one ends it FAILURE ("lost: ..."), cancelling
// one ends it CANCELLED. The run reconciler (workflows.RunReconciler) ends
// the ones nobody reads.

// mayStillStart reports whether row, written by an older version, may still
// get its workflow (those versions started it a moment after the row).
func mayStillStart(row queries.Run) bool {
	return !row.WorkflowStarted && time.Since(row.CreatedAt) < runs.WorkflowGrace
}

// endLost ends the row of a run whose workflow does not exist, and returns
// it as it now is.
func (s *Service) endLost(ctx context.Context, row queries.Run) queries.Run {
	if mayStillStart(row) {
		return row
	}
	label := runs.LabelNeverStarted
	if row.WorkflowStarted {
		label = runs.LabelGone
	}
	ended, _, err := EndRunWithoutWorkflow(ctx, s.Store, slipway.User{}, row.ID, runs.StatusFailure, label)
	if err != nil {
		slog.WarnContext(ctx, "could not end a run whose workflow is lost", "run", row.ID, "err", err)
		return row
	}
	return ended
}

// cancelWithoutWorkflow cancels a run whose workflow does not exist: its
// row is all there is, so the row ends CANCELLED.
func (s *Service) cancelWithoutWorkflow(ctx context.Context, actor slipway.User, row queries.Run, reason string) (Run, error) {
	if err := text.Check("reason", text.Description, reason); err != nil {
		return Run{}, err
	}
	if row.EndedAt == nil && mayStillStart(row) {
		return Run{}, endedOrStarting(fromRow(row))
	}
	label := "cancelled by " + actor.Email
	if reason != "" {
		label += ": " + reason
	}
	cancel := audit.ActorEvent(ctx, actor, "cancel", audit.ResourceRun, row.ID.String())
	cancel.After = map[string]any{"reason": reason}
	ended, cancelled, err := EndRunWithoutWorkflow(ctx, s.Store, slipway.User{}, row.ID, runs.StatusCancelled, label, cancel)
	if err != nil {
		return Run{}, err
	}
	if !cancelled {
		return Run{}, endedOrStarting(fromRow(ended))
	}
	return s.Get(ctx, row.ID.String())
}

// endedOrStarting is the error for a change to a run that has no workflow:
// it has ended, or (an older version's row) its workflow may start soon.
func endedOrStarting(run Run) error {
	if run.EndedAt == nil {
		return slipway.Errorf(slipway.CodeUnavailable, "run %s is starting: its workflow does not exist yet; try again in a minute", run.ID)
	}
	msg := "the run has ended (" + string(run.Status)
	if run.StatusLabel != "" {
		msg += ": " + run.StatusLabel
	}
	return slipway.Errorf(slipway.CodePrecondition, "%s) and cannot change any more", msg)
}
