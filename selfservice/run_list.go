package selfservice

// Listing runs: the runs page, the API's ListRuns and the approvals inbox.

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
)

// ListFilter narrows ListRuns.
type ListFilter struct {
	Action, RequesterEmail, Entity string
	// EntityBlueprint narrows Entity's written runs (run_entities) to that
	// blueprint's entity of the identifier.
	EntityBlueprint string
	Status          runs.Status
	ActiveOnly      bool
	// Viewer sees only the runs VisibleTo them; nil lists every run
	// (internal callers only).
	Viewer *slipway.User
	// Approver keeps the runs this email approves in some stage.
	Approver string
	PageSize int
	// After continues from a page token.
	After string
}

// List returns a page of runs, newest first, and the next page token.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Run, string, error) {
	p := queries.ListRunsParams{Action: optional(f.Action), Status: optional(string(f.Status)), Entity: optional(f.Entity), EntityBlueprint: optional(f.EntityBlueprint), ActiveOnly: f.ActiveOnly}
	if f.Approver != "" {
		p.Approver = new(strings.ToLower(f.Approver))
	}
	if v := f.Viewer; v != nil && !v.IsAdmin() {
		p.ViewerID = uuid.NullUUID{UUID: v.ID, Valid: true}
		p.ViewerEmail = new(strings.ToLower(v.Email))
	}
	if f.Status != "" && !f.Status.Known() {
		return nil, "", slipway.FieldError("status", "must be one of %s", runs.StatusNames())
	}
	if f.RequesterEmail != "" {
		u, err := s.Store.Q.GetUserByEmail(ctx, f.RequesterEmail)
		if err != nil {
			return nil, "", nil // nobody by that email has runs
		}
		p.RequestedBy = uuid.NullUUID{UUID: u.ID, Valid: true}
	}
	if f.PageSize <= 0 || f.PageSize > 200 {
		f.PageSize = 50
	}
	p.PageSize = int32(f.PageSize + 1)
	if f.After != "" {
		t, id, err := decodePageToken(f.After)
		if err != nil {
			return nil, "", slipway.FieldError("page_token", "is not a token from a previous page")
		}
		p.BeforeTime, p.BeforeID = &t, uuid.NullUUID{UUID: id, Valid: true}
	}
	rows, err := s.Store.Q.ListRuns(ctx, p)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > f.PageSize {
		rows = rows[:f.PageSize]
		last := rows[len(rows)-1].Run
		next = encodePageToken(last.CreatedAt, last.ID)
	}
	out := make([]Run, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r.Run)
		out[i].RequesterEmail = r.RequesterEmail
	}
	return out, next, nil
}

// AwaitingDecision lists the runs that wait for actor's decision, newest
// first: one query finds the waiting runs actor approves in some stage,
// with their requesters, current stage, its approvers and the decisions
// (the workflow saves the row right after every decision).
// Only rows saved by older versions ask their workflow.
func (s *Service) AwaitingDecision(ctx context.Context, actor slipway.User) ([]Run, error) {
	waiting, _, err := s.List(ctx, ListFilter{Status: runs.StatusWaitingForApproval, ActiveOnly: true, PageSize: 200, Viewer: &actor, Approver: actor.Email})
	if err != nil {
		return nil, err
	}
	var mine []Run
	for _, run := range waiting {
		if !run.stageKnown {
			// A row saved by an older version: only its workflow knows
			// the stage and who decided since.
			st, err := s.liveState(ctx, run.ID)
			if err != nil {
				continue // its workflow cannot say now; the run's page can
			}
			applyLive(&run, st)
		}
		if run.AwaitsDecisionFrom(actor.Email) {
			mine = append(mine, run)
		}
	}
	return mine, nil
}
