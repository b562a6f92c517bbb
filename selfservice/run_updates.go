package selfservice

// Changes to a running run, sent to its workflow as updates: decisions,
// backends' reports and log lines, cancellation.

import (
	"context"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runevents"
	"github.com/slipwayhq/slipway/runs"
)

// Decide approves or declines a waiting run as actor.
func (s *Service) Decide(ctx context.Context, actor slipway.User, id string, approve bool, reason string) (Run, error) {
	row, err := s.visibleRow(ctx, actor, id)
	if err != nil {
		return Run{}, err
	}
	var st runs.State
	if err := s.update(ctx, id, runs.UpdateDecide, runs.DecideRequest{Approver: actor.Email, Approve: approve, Reason: reason}, &st); err != nil {
		return Run{}, err
	}
	verb := "approve"
	if !approve {
		verb = "decline"
	}
	s.noteRun(ctx, actor, verb, id, map[string]any{"reason": reason})
	return s.completeWith(ctx, row, &st)
}

// Reporter is who reports on a run: an admin, or the run's own token.
type Reporter struct {
	User *slipway.User
	// RunID is set when the caller authenticated with a per-run token.
	RunID string
}

func (r Reporter) mayReportOn(id string) error {
	if r.RunID != "" && r.RunID == id {
		return nil
	}
	if r.User != nil && r.User.IsAdmin() {
		return nil
	}
	return slipway.Errorf(slipway.CodePermission, "only the run's backend (its run token) or an admin may report on run %s", id)
}

// Report applies a backend's status update. Repeating the status the run
// ended with answers the run as it is: nothing changes, nothing is audited.
func (s *Service) Report(ctx context.Context, who Reporter, id string, req runs.ReportRequest) (Run, error) {
	if err := who.mayReportOn(id); err != nil {
		return Run{}, err
	}
	var st runs.State
	err := s.send(ctx, id, "", runs.UpdateReport, req, &st)
	if s.repeatsFinalStatus(ctx, id, req.Status, err) {
		return s.Get(ctx, id)
	}
	if err := s.mapUpdateError(ctx, id, err); err != nil {
		return Run{}, err
	}
	s.noteRun(ctx, reporterActor(who), "report", id, reportAudit(req))
	row, err := s.row(ctx, id)
	if err != nil {
		return Run{}, err
	}
	return s.completeWith(ctx, row, &st)
}

// AddLog appends a log line and returns its sequence number. A keyed line
// is stored once: sent again with its key, it answers the first seq. A
// line repeating the status the run ended with stores nothing and answers 0.
func (s *Service) AddLog(ctx context.Context, who Reporter, id string, req runs.LogRequest) (int64, error) {
	if err := who.mayReportOn(id); err != nil {
		return 0, err
	}
	updateID := ""
	if req.IdempotencyKey != "" {
		updateID = runs.LogUpdateID(req.IdempotencyKey)
	}
	var seq int64
	err := s.send(ctx, id, updateID, runs.UpdateLog, req, &seq)
	if s.repeatsFinalStatus(ctx, id, req.TerminationStatus, err) {
		return 0, nil
	}
	if err := s.mapUpdateError(ctx, id, err); err != nil {
		return 0, err
	}
	if req.TerminationStatus != "" {
		// Lines are the run's own record; a line that ends the run is a status update.
		note := map[string]any{"status": req.TerminationStatus, "statusLabel": req.StatusLabel}
		if req.IdempotencyKey != "" {
			// Temporal answers a retry of this line as it answered the
			// first; the key tells such events apart from a second ending.
			note["idempotencyKey"] = req.IdempotencyKey
		}
		s.noteRun(ctx, reporterActor(who), "report", id, note)
	}
	return seq, nil
}

// repeatsFinalStatus reports whether err refused an update only because it
// repeated the status the run ended with: the validator says so while the
// workflow runs; once it has closed, the run's row does.
func (s *Service) repeatsFinalStatus(ctx context.Context, id string, status runs.Status, err error) bool {
	if err == nil || status == "" {
		return false
	}
	if runs.IsUnchanged(err) {
		return true
	}
	if !runs.WorkflowMissing(err) {
		return false
	}
	row, rowErr := s.row(ctx, id)
	return rowErr == nil && row.EndedAt != nil && row.Status == status
}

// Cancel cancels a run; its requester or an admin.
func (s *Service) Cancel(ctx context.Context, actor slipway.User, id, reason string) (Run, error) {
	row, err := s.visibleRow(ctx, actor, id)
	if err != nil {
		return Run{}, err
	}
	if row.RequestedBy != actor.ID && !actor.IsAdmin() {
		return Run{}, slipway.Errorf(slipway.CodePermission, "only the requester or an admin may cancel this run")
	}
	var st runs.State
	err = s.send(ctx, id, "", runs.UpdateCancel, runs.CancelRequest{By: actor.Email, Reason: reason}, &st)
	if runs.WorkflowMissing(err) {
		return s.cancelWithoutWorkflow(ctx, actor, row, reason)
	}
	if err := s.mapUpdateError(ctx, id, err); err != nil {
		return Run{}, err
	}
	s.noteRun(ctx, actor, "cancel", id, map[string]any{"reason": reason})
	return s.completeWith(ctx, row, &st)
}

// update sends a workflow update and maps its outcome to Slipway errors.
func (s *Service) update(ctx context.Context, id, name string, arg, result any) error {
	return s.mapUpdateError(ctx, id, s.send(ctx, id, "", name, arg, result))
}

// send sends a workflow update and returns Temporal's own error. An update
// ID ("" for a fresh one) makes a retry get the first call's outcome.
func (s *Service) send(ctx context.Context, id, updateID, name string, arg, result any) error {
	if _, err := uuid.Parse(id); err != nil {
		return slipway.FieldError("id", "must be a run id (UUID)")
	}
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: runs.WorkflowID(id), UpdateID: updateID, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	if err == nil {
		// Live pages and WatchRun push the change (runevents).
		runevents.Announce(ctx, s.Store.Pool, id, runevents.Change{State: true})
	}
	return err
}

func (s *Service) mapUpdateError(ctx context.Context, id string, err error) error {
	if err == nil {
		return nil
	}
	if refusal, ok := runs.Refusal(err); ok {
		return refusal
	}
	if runs.WorkflowMissing(err) {
		// No such run, a run whose workflow has completed, or a row without
		// a workflow (which Get ends as lost, unless it may still get one).
		run, getErr := s.Get(ctx, id)
		if getErr != nil {
			return getErr
		}
		return endedOrStarting(run)
	}
	return err
}
