package selfservice

import (
	"context"
	"log/slog"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/runs"
)

// noteRun records a decision or change on run id by actor (zero: Slipway)
// that the run's workflow has already taken. No transaction holds both a
// workflow update and the event, and the update cannot be taken back, so
// a refused event is logged as an error and the answer stands. (Recording
// it with the workflow's next save of the run's row would make it atomic.)
func (s *Service) noteRun(ctx context.Context, actor slipway.User, verb, id string, after any) {
	ctx = audit.WithRun(ctx, id)
	e := audit.ActorEvent(ctx, actor, verb, audit.ResourceRun, id)
	e.After = after
	if err := audit.RecordAlone(ctx, s.Store, e); err != nil {
		slog.ErrorContext(ctx, "audit event of a run's workflow update not recorded", "verb", verb, "run", id, "err", err)
	}
}

// reporterActor is who a backend's update is audited as: the user whose
// token it used, or the run token itself.
func reporterActor(who Reporter) slipway.User {
	if who.User != nil {
		return *who.User
	}
	return slipway.User{Email: "run:" + who.RunID}
}

// reportAudit is what the audit log keeps of a status update.
func reportAudit(req runs.ReportRequest) map[string]any {
	out := map[string]any{}
	if req.Status != "" {
		out["status"] = req.Status
	}
	if req.StatusLabel != nil {
		out["statusLabel"] = *req.StatusLabel
	}
	if req.Links != nil {
		out["links"] = *req.Links
	}
	if req.Summary != nil {
		out["summary"] = *req.Summary
	}
	if req.ExternalRunID != nil {
		out["externalRunId"] = *req.ExternalRunID
	}
	return out
}
