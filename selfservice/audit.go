package selfservice

import (
	"context"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/runs"
)

// noteRun records a decision or change on run id by actor (zero: Slipway).
func (s *Service) noteRun(ctx context.Context, actor slipway.User, verb, id string, after any) {
	s.Audit.Note(audit.WithRun(ctx, id), actor, verb, audit.ResourceRun, id, nil, after)
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
