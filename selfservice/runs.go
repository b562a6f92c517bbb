package selfservice

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
)

// Run is a run as the API and the portal show it.
type Run struct {
	ID, Action, Blueprint, Entity string
	Inputs                        map[string]any
	Status                        runs.Status
	StatusLabel                   string
	Links                         []string
	Summary, ExternalRunID        string
	Approvals                     []runs.Decision
	RequestedBy                   uuid.UUID
	RequesterEmail                string
	Origin                        string
	LogCount                      int64
	CreatedAt, UpdatedAt          time.Time
	EndedAt                       *time.Time
	WorkflowID                    string
	// Approvers may decide while the run waits: the current stage's, Stage
	// counting from 0, as the row's last save or the live workflow says.
	Approvers []string
	Stage     int
	// stageKnown says Approvers and Stage are known: the workflow said, or
	// the row was saved by a version that records them.
	stageKnown bool
	// Affected are the entities the run created, changed or deleted.
	Affected []AffectedEntity
	// Replayed says an idempotency key found this run: an earlier call started it.
	Replayed bool

	// visibleToAll and approverSet decide who may see the run (VisibleTo).
	visibleToAll bool
	approverSet  []string

	// pending are log lines the workflow has not stored yet (live runs only).
	pending []runs.LogLine
	// definition is the action as the run started with it (ApprovalReason).
	definition []byte
}

// AwaitsDecisionFrom reports whether run waits for email's decision now
// (see runs.State.AwaitsDecisionFrom); an ended run, or a row older than
// the stage it waits on, awaits no one.
func (r Run) AwaitsDecisionFrom(email string) bool {
	return runs.State{Status: r.Status, Approvers: r.Approvers, Stage: r.Stage, Decisions: r.Approvals}.AwaitsDecisionFrom(email)
}

// AffectedEntity is an entity a run wrote.
type AffectedEntity struct {
	Blueprint, Identifier, Operation string
}

// Get returns a run; an active run's live state comes from its workflow.
func (s *Service) Get(ctx context.Context, id string) (Run, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return Run{}, err
	}
	return s.complete(ctx, row)
}

// Stored returns a run as its row holds it, without asking its workflow:
// for live pages woken by a run's notification, which its workflow sends
// after writing the row (and its lines). A workflow query would wait behind
// the run's workflow task; a row read waits on nothing.
func (s *Service) Stored(ctx context.Context, id string) (Run, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return Run{}, err
	}
	return s.completeWith(ctx, row, nil)
}

// row loads a run's row.
func (s *Service) row(ctx context.Context, id string) (queries.Run, error) {
	runID, err := uuid.Parse(id)
	if err != nil {
		return queries.Run{}, slipway.FieldError("id", "must be a run id (UUID)")
	}
	row, err := s.Store.Q.GetRun(ctx, runID)
	if err != nil {
		return queries.Run{}, db.MapError(err, "run "+id)
	}
	return row, nil
}

// complete turns a row into a Run with its requester, live state and
// affected entities.
func (s *Service) complete(ctx context.Context, row queries.Run) (Run, error) {
	var live *runs.State
	if row.EndedAt == nil {
		st, err := s.liveState(ctx, row.ID.String())
		switch {
		case err == nil:
			live = &st
		case runs.WorkflowMissing(err):
			row = s.endLost(ctx, row)
		}
	}
	return s.completeWith(ctx, row, live)
}

// completeWith is complete with the live state at hand (nil: none), such
// as the state an update answered with: no second workflow query.
func (s *Service) completeWith(ctx context.Context, row queries.Run, live *runs.State) (Run, error) {
	run := fromRow(row)
	if u, err := s.Store.Q.GetUser(ctx, row.RequestedBy); err == nil {
		run.RequesterEmail = u.Email
	}
	if live != nil {
		applyLive(&run, *live)
	}
	affected, err := s.Store.Q.ListRunEntities(ctx, row.ID)
	if err != nil {
		return Run{}, err
	}
	for _, a := range affected {
		run.Affected = append(run.Affected, AffectedEntity{Blueprint: a.Blueprint, Identifier: a.Identifier, Operation: a.Operation})
	}
	return run, nil
}

// liveState queries the run workflow; when it cannot answer, the row
// (kept current by activities) is what we have.
func (s *Service) liveState(ctx context.Context, id string) (runs.State, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(ctx, runs.WorkflowID(id), "", runs.QueryState)
	if err != nil {
		return runs.State{}, err
	}
	var st runs.State
	err = v.Get(&st)
	return st, err
}

func applyLive(run *Run, st runs.State) {
	run.Status, run.StatusLabel, run.Links, run.Summary = st.Status, st.StatusLabel, st.Links, st.Summary
	run.ExternalRunID, run.Approvals, run.LogCount = st.ExternalRunID, st.Decisions, st.LogCount
	run.Stage, run.Approvers, run.pending, run.stageKnown = st.Stage, st.Approvers, st.PendingLogs, true
	if !st.UpdatedAt.IsZero() {
		run.UpdatedAt = st.UpdatedAt
	}
	// EndedAt stays the row's: the workflow writes it once the run's catalog
	// change is applied, so whoever sees a run ended sees the catalog as the
	// run left it (a DELETE run's entity gone). The status may say SUCCESS a
	// moment before.
}

func fromRow(r queries.Run) Run {
	run := Run{
		ID: r.ID.String(), Action: r.ActionIdentifier, Status: r.Status, StatusLabel: r.StatusLabel,
		Summary: r.Summary, ExternalRunID: r.ExternalRunID, RequestedBy: r.RequestedBy, Origin: r.Origin,
		LogCount: r.LogCount, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, EndedAt: r.EndedAt,
		WorkflowID:   runs.WorkflowID(r.ID.String()),
		visibleToAll: r.VisibleToAll, approverSet: r.Approvers, definition: r.Definition,
	}
	if r.Blueprint != nil {
		run.Blueprint = *r.Blueprint
	}
	if r.Entity != nil {
		run.Entity = *r.Entity
	}
	_ = json.Unmarshal(r.Inputs, &run.Inputs)
	// Secret inputs are shown to nobody; their ciphertext is no use to anyone either.
	run.Inputs = secrets.MaskInputs(run.Inputs)
	_ = json.Unmarshal(r.Links, &run.Links)
	_ = json.Unmarshal(r.Approvals, &run.Approvals)
	if r.StageApprovers != nil && r.EndedAt == nil {
		run.Stage, run.Approvers, run.stageKnown = int(r.Stage), r.StageApprovers, true
	}
	return run
}
