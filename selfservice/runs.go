package selfservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/workflows"
)

// Origins of a run.
const (
	OriginUI         = "UI"
	OriginAPI        = "API"
	OriginAutomation = "AUTOMATION"
)

// Run is a run as the API and the portal show it.
type Run struct {
	ID, Action, Blueprint, Entity string
	Inputs                        map[string]any
	Status, StatusLabel           string
	Links                         []string
	Summary, ExternalRunID        string
	Approvals                     []workflows.Decision
	RequestedBy                   uuid.UUID
	RequesterEmail                string
	Origin                        string
	LogCount                      int64
	CreatedAt, UpdatedAt          time.Time
	EndedAt                       *time.Time
	WorkflowID                    string
	// Approvers may decide while the run waits (live runs only): the
	// current stage's, Stage counting from 0.
	Approvers []string
	Stage     int
	// Affected are the entities the run created, changed or deleted.
	Affected []AffectedEntity

	// visibleToAll and approverSet decide who may see the run (VisibleTo).
	visibleToAll bool
	approverSet  []string

	// pending are log lines the workflow has not stored yet (live runs only).
	pending []workflows.LogLine
}

// AffectedEntity is an entity a run wrote.
type AffectedEntity struct {
	Blueprint, Identifier, Operation string
}

// Execute starts a run of action for actor.
func (s *Service) Execute(ctx context.Context, actor slipway.User, action, entity string, inputs map[string]any, origin string) (Run, error) {
	runID, err := uuid.NewV7()
	if err != nil {
		return Run{}, err
	}
	return s.execute(ctx, actor, action, entity, inputs, origin, runID)
}

// runKeys derives run ids from idempotency keys.
var runKeys = uuid.MustParse("6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")

// ExecuteOnce is Execute for automation that may retry: the same key always
// means the same run, so a second call returns the run the first started.
func (s *Service) ExecuteOnce(ctx context.Context, actor slipway.User, action, entity, origin, key string) (Run, error) {
	runID := uuid.NewSHA1(runKeys, []byte(key))
	if _, err := s.Store.Q.GetRun(ctx, runID); err == nil {
		return s.Get(ctx, runID.String())
	}
	return s.execute(ctx, actor, action, entity, nil, origin, runID)
}

func (s *Service) execute(ctx context.Context, actor slipway.User, action, entity string, inputs map[string]any, origin string, runID uuid.UUID) (Run, error) {
	d, err := s.GetAction(ctx, action)
	if err != nil {
		if slipway.ErrorCode(err) == slipway.CodeNotFound {
			return Run{}, slipway.FieldError("action", "no action %q", action)
		}
		return Run{}, err
	}
	if (d.Trigger.Operation == actions.OperationDay2 || d.Trigger.Operation == actions.OperationDelete) && strings.TrimSpace(entity) == "" {
		return Run{}, slipway.FieldError("entity", "is required: %s actions run on an entity", d.Trigger.Operation)
	}
	var snapshot map[string]any
	if entity != "" {
		if snapshot, err = s.entitySnapshot(ctx, d, entity); err != nil {
			return Run{}, err
		}
	}
	// Grants first, so that someone who may not run the action learns
	// nothing from its input validation; the policy needs the inputs.
	entityTeam, _ := snapshot["team"].(string)
	if !MayOffer(actor, d, entityTeam) {
		return Run{}, slipway.Errorf(slipway.CodePermission, "you may not run action %s", d.Identifier)
	}
	schema, err := d.Schema()
	if err != nil {
		return Run{}, err
	}
	if inputs == nil {
		inputs = map[string]any{}
	}
	applied, err := schema.Apply(inputs)
	if err != nil {
		return Run{}, redactSecrets(err, d, inputs)
	}
	if err := s.checkDirectoryInputs(ctx, actor, d, applied); err != nil {
		return Run{}, redactSecrets(err, d, applied)
	}
	token, tokenHash := identity.NewRunToken()
	in := workflows.RunInput{
		RunID: runID.String(), Action: d, Inputs: applied, Entity: entity, EntitySnapshot: snapshot,
		Requester: workflows.Person{ID: actor.ID.String(), Email: actor.Email, Name: actor.Name},
		Origin:    origin, RunToken: token, CreatedAt: time.Now().UTC(),
	}
	data := workflows.TriggerData(in)
	if err := checkExecute(ctx, actor, d, data); err != nil {
		return Run{}, err
	}
	needsApproval, err := d.RequiredApproval.NeedsApproval(ctx, data)
	if err != nil {
		// The definition is at fault, not the requester's inputs.
		return Run{}, slipway.Errorf(slipway.CodePrecondition, "action %s: requiredApproval.when: %v", d.Identifier, err)
	}
	in.ApprovalWaived = d.RequiredApproval.Required && !needsApproval
	status := workflows.StatusInProgress
	everyApprover := []string{}
	if needsApproval {
		status = workflows.StatusWaitingForApproval
		if in.Approvers, in.Stages, err = s.approvalPlan(ctx, actor, d, data); err != nil {
			return Run{}, err
		}
		// Every stage's approvers may see the run; the first stage's are in.Approvers too.
		everyApprover = slices.Clone(in.Approvers)
		for _, st := range in.Stages {
			everyApprover = append(everyApprover, st.Approvers...)
		}
		slices.Sort(everyApprover)
		everyApprover = slices.Compact(everyApprover)
	}
	// From here on, secret inputs are sealed: the row, the workflow and its
	// history never hold them in plaintext.
	if in.Inputs, err = s.sealInputs(d, in.RunID, applied); err != nil {
		return Run{}, err
	}
	defJSON, _ := json.Marshal(d)
	inputsJSON, _ := json.Marshal(in.Inputs)
	row, err := s.Store.Q.CreateRun(ctx, queries.CreateRunParams{
		ID: runID, ActionIdentifier: d.Identifier, Blueprint: optional(d.Trigger.BlueprintIdentifier),
		Entity: optional(entity), Definition: defJSON, Inputs: inputsJSON, Status: status,
		RequestedBy: actor.ID, Origin: origin, TokenHash: tokenHash,
		VisibleToAll: d.AllowAnyoneToViewRuns == nil || *d.AllowAnyoneToViewRuns, Approvers: everyApprover,
	})
	if err != nil {
		return Run{}, db.MapError(err, "run")
	}
	in.CreatedAt = row.CreatedAt
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        workflows.RunWorkflowID(runID.String()),
		TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SearchAction.ValueSet(d.Identifier),
			workflows.SearchStatus.ValueSet(status),
			workflows.SearchRequester.ValueSet(actor.Email),
			workflows.SearchBlueprint.ValueSet(d.Trigger.BlueprintIdentifier),
			workflows.SearchEntity.ValueSet(entity),
		),
	}, workflows.RunWorkflowName, in)
	if err != nil {
		// The row exists but no workflow will ever update it: end it here,
		// with a version above anything a workflow would write.
		label := "could not start: Temporal is unavailable"
		_, _ = s.Store.Q.SaveRunState(context.WithoutCancel(ctx), queries.SaveRunStateParams{
			ID: runID, Version: 1 << 62, Status: workflows.StatusFailure, StatusLabel: label,
			Links: []byte("[]"), Approvals: []byte("[]"), EndedAt: new(time.Now()),
		})
		return Run{}, fmt.Errorf("start run workflow: %w", err)
	}
	started := audit.ActorEvent(ctx, actor, "execute", audit.ResourceRun, in.RunID)
	started.Origin = origin // the run's own origin, which automation sets without a user
	started.After = map[string]any{"action": d.Identifier, "entity": entity, "inputs": secrets.MaskInputs(in.Inputs),
		"status": status, "approvers": everyApprover}
	if err := s.Audit.Record(audit.WithRun(ctx, in.RunID), started); err != nil {
		slog.ErrorContext(ctx, "audit event not recorded", "run", in.RunID, "err", err)
	}
	run := fromRow(row)
	run.RequesterEmail = actor.Email
	run.Approvers = in.Approvers
	return run, nil
}

// entitySnapshot loads the run's entity from the action's blueprint, as
// the backend will see it in the payload.
func (s *Service) entitySnapshot(ctx context.Context, d actions.Definition, identifier string) (map[string]any, error) {
	if s.Catalog == nil || d.Trigger.BlueprintIdentifier == "" {
		return nil, slipway.FieldError("entity", "action %s is not bound to a blueprint", d.Identifier)
	}
	e, err := s.Catalog.GetEntity(ctx, d.Trigger.BlueprintIdentifier, identifier)
	if slipway.ErrorCode(err) == slipway.CodeNotFound {
		return nil, slipway.FieldError("entity", "no %s entity %q", d.Trigger.BlueprintIdentifier, identifier)
	}
	if err != nil {
		return nil, err
	}
	m := e.Map()
	cond, _ := actions.ParseCondition(d.Trigger.Condition)
	if !cond.Matches(m) {
		return nil, slipway.Errorf(slipway.CodePrecondition, "action %s is not offered on %s %q: its condition excludes it", d.Identifier, d.Trigger.BlueprintIdentifier, identifier)
	}
	return m, nil
}

// checkDirectoryInputs makes user, team and entity inputs name existing
// users, teams and entities the form offers.
func (s *Service) checkDirectoryInputs(ctx context.Context, actor slipway.User, d actions.Definition, inputs map[string]any) error {
	var v []slipway.Violation
	for name, in := range d.Trigger.UserInputs.Properties {
		val, ok := inputs[name].(string)
		if !ok || val == "" {
			continue
		}
		switch in["format"] {
		case "user":
			if _, err := s.Store.Q.GetUserByEmail(ctx, val); err != nil {
				v = append(v, slipway.Violation{Field: "inputs." + name, Message: fmt.Sprintf("no user %q", val)})
			}
		case "team":
			if _, err := s.Store.Q.GetTeam(ctx, val); err != nil {
				v = append(v, slipway.Violation{Field: "inputs." + name, Message: fmt.Sprintf("no team %q", val)})
			}
		case "entity":
			problem, err := s.checkEntityInput(ctx, actor, d, name, val)
			if err != nil {
				return err
			}
			if problem != "" {
				v = append(v, slipway.Violation{Field: "inputs." + name, Message: problem})
			}
		}
	}
	slices.SortFunc(v, func(a, b slipway.Violation) int { return strings.Compare(a.Field, b.Field) })
	return slipway.Invalid("inputs", v)
}

// Get returns a run; an active run's live state comes from its workflow.
func (s *Service) Get(ctx context.Context, id string) (Run, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return Run{}, err
	}
	return s.complete(ctx, row)
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
	run := fromRow(row)
	if u, err := s.Store.Q.GetUser(ctx, row.RequestedBy); err == nil {
		run.RequesterEmail = u.Email
	}
	if row.EndedAt == nil {
		if st, in, ok := s.liveState(ctx, run.ID); ok {
			applyLive(&run, st)
			run.Approvers = in
		}
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

// WriterForRun checks that who may write catalog entities on behalf of run
// id, which must be in progress, and returns the user the writes are made
// for (its requester, recorded as writer and in the audit log) and what the
// run may write: entities of its action's blueprint, and for DAY-2 and
// DELETE runs only its own entity. Within that scope the run's authority
// is the action's, not the requester's catalog rights (see catalog.RunScope).
func (s *Service) WriterForRun(ctx context.Context, who Reporter, id string) (slipway.User, catalog.RunScope, error) {
	if err := who.mayReportOn(id); err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	run, err := s.Get(ctx, id)
	if err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	if run.Status != workflows.StatusInProgress {
		return slipway.User{}, catalog.RunScope{}, slipway.Errorf(slipway.CodePrecondition, "run %s is %s: entities are written on behalf of a run only while it is IN_PROGRESS", id, run.Status)
	}
	scope, err := s.runScope(ctx, id)
	if err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	u, err := s.Store.Q.GetUser(ctx, run.RequestedBy)
	if err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	return slipway.User{ID: u.ID, Email: u.Email, Name: u.Name, Role: slipway.Role(u.Role)}, scope, nil
}

// runScope is what run id may write, from the definition it started with.
func (s *Service) runScope(ctx context.Context, id string) (catalog.RunScope, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return catalog.RunScope{}, err
	}
	var d struct {
		Trigger struct {
			Operation           string `json:"operation"`
			BlueprintIdentifier string `json:"blueprintIdentifier"`
		} `json:"trigger"`
	}
	if err := json.Unmarshal(row.Definition, &d); err != nil {
		return catalog.RunScope{}, fmt.Errorf("run %s: stored definition: %w", id, err)
	}
	scope := catalog.RunScope{Blueprint: d.Trigger.BlueprintIdentifier}
	if d.Trigger.Operation != actions.OperationCreate {
		scope.Entity = fromRow(row).Entity
		if scope.Entity == "" {
			// A DAY-2 or DELETE run always has an entity; never widen to the blueprint.
			return catalog.RunScope{}, slipway.Errorf(slipway.CodePermission, "run %s has no entity, so it may write none", id)
		}
	}
	return scope, nil
}

// RecordAffected lists an entity among those a run wrote.
func (s *Service) RecordAffected(ctx context.Context, id, blueprint, identifier, operation string) error {
	runID, err := uuid.Parse(id)
	if err != nil {
		return slipway.FieldError("run_id", "must be a run id (UUID)")
	}
	return s.Store.Q.AddRunEntity(ctx, queries.AddRunEntityParams{RunID: runID, Blueprint: blueprint, Identifier: identifier, Operation: operation})
}

// liveState queries the run workflow; ok is false when it cannot answer
// (then the row, kept current by activities, is what we have).
func (s *Service) liveState(ctx context.Context, id string) (workflows.RunState, []string, bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.RunWorkflowID(id), "", workflows.QueryRunState)
	if err != nil {
		return workflows.RunState{}, nil, false
	}
	var st workflows.RunState
	if err := v.Get(&st); err != nil {
		return workflows.RunState{}, nil, false
	}
	return st, st.Approvers, true
}

func applyLive(run *Run, st workflows.RunState) {
	run.Status, run.StatusLabel, run.Links, run.Summary = st.Status, st.StatusLabel, st.Links, st.Summary
	run.ExternalRunID, run.Approvals, run.LogCount = st.ExternalRunID, st.Decisions, st.LogCount
	run.Stage, run.pending = st.Stage, st.PendingLogs
	if !st.UpdatedAt.IsZero() {
		run.UpdatedAt = st.UpdatedAt
	}
	if !st.EndedAt.IsZero() {
		t := st.EndedAt
		run.EndedAt = &t
	}
}

// ListFilter narrows ListRuns.
type ListFilter struct {
	Action, Status, RequesterEmail, Entity string
	ActiveOnly                             bool
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
	p := queries.ListRunsParams{Action: optional(f.Action), Status: optional(f.Status), Entity: optional(f.Entity), ActiveOnly: f.ActiveOnly}
	if f.Approver != "" {
		p.Approver = new(strings.ToLower(f.Approver))
	}
	if v := f.Viewer; v != nil && !v.IsAdmin() {
		p.ViewerID = uuid.NullUUID{UUID: v.ID, Valid: true}
		p.ViewerEmail = new(strings.ToLower(v.Email))
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, "", slipway.FieldError("status", "must be one of %s", strings.Join(Statuses, ", "))
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
		last := rows[len(rows)-1]
		next = encodePageToken(last.CreatedAt, last.ID)
	}
	out := make([]Run, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, next, nil
}

// Statuses are every run status, in lifecycle order.
var Statuses = []string{
	workflows.StatusWaitingForApproval, workflows.StatusInProgress, workflows.StatusSuccess,
	workflows.StatusFailure, workflows.StatusDeclined, workflows.StatusCancelled, workflows.StatusExpired,
}

// Decide approves or declines a waiting run as actor.
func (s *Service) Decide(ctx context.Context, actor slipway.User, id string, approve bool, reason string) (Run, error) {
	if _, err := s.visibleRow(ctx, actor, id); err != nil {
		return Run{}, err
	}
	if err := s.update(ctx, id, workflows.UpdateDecide, workflows.DecideRequest{Approver: actor.Email, Approve: approve, Reason: reason}, nil); err != nil {
		return Run{}, err
	}
	verb := "approve"
	if !approve {
		verb = "decline"
	}
	s.noteRun(ctx, actor, verb, id, map[string]any{"reason": reason})
	return s.Get(ctx, id)
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
func (s *Service) Report(ctx context.Context, who Reporter, id string, req workflows.ReportRequest) (Run, error) {
	if err := who.mayReportOn(id); err != nil {
		return Run{}, err
	}
	err := s.send(ctx, id, "", workflows.UpdateReport, req, nil)
	if s.repeatsFinalStatus(ctx, id, req.Status, err) {
		return s.Get(ctx, id)
	}
	if err := s.mapUpdateError(ctx, id, err); err != nil {
		return Run{}, err
	}
	s.noteRun(ctx, reporterActor(who), "report", id, reportAudit(req))
	return s.Get(ctx, id)
}

// AddLog appends a log line and returns its sequence number. A keyed line
// is stored once: sent again with its key, it answers the first seq. A
// line repeating the status the run ended with stores nothing and answers 0.
func (s *Service) AddLog(ctx context.Context, who Reporter, id string, req workflows.LogRequest) (int64, error) {
	if err := who.mayReportOn(id); err != nil {
		return 0, err
	}
	updateID := ""
	if req.IdempotencyKey != "" {
		updateID = workflows.LogUpdateID(req.IdempotencyKey)
	}
	var seq int64
	err := s.send(ctx, id, updateID, workflows.UpdateLog, req, &seq)
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
func (s *Service) repeatsFinalStatus(ctx context.Context, id, status string, err error) bool {
	if err == nil || status == "" {
		return false
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type() == workflows.ErrTypeUnchanged
	}
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
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
	if err := s.update(ctx, id, workflows.UpdateCancel, workflows.CancelRequest{By: actor.Email, Reason: reason}, nil); err != nil {
		return Run{}, err
	}
	s.noteRun(ctx, actor, "cancel", id, map[string]any{"reason": reason})
	return s.Get(ctx, id)
}

// Rerun starts a new run with the same action, entity and inputs.
func (s *Service) Rerun(ctx context.Context, actor slipway.User, id, origin string) (Run, error) {
	run, err := s.View(ctx, actor, id)
	if err != nil {
		return Run{}, err
	}
	inputs, err := s.rerunInputs(ctx, actor, run)
	if err != nil {
		return Run{}, err
	}
	return s.Execute(ctx, actor, run.Action, run.Entity, inputs, origin)
}

// Log pages hold up to MaxLogPage lines; DefaultLogPage when the caller
// names no size.
const (
	DefaultLogPage = 1000
	MaxLogPage     = 1000
)

// LogPage is a page of a run's log lines, in order.
type LogPage struct {
	Lines []workflows.LogLine
	// More says lines exist beyond this page in the direction paged: after
	// the last line for RunLogs, before the first for RunLogsBefore.
	More bool
}

// Logs returns lines after afterSeq, stored ones first, then those the
// workflow holds but has not stored yet, so a reader never misses a line.
func (s *Service) Logs(ctx context.Context, actor slipway.User, id string, afterSeq int64, limit int) (LogPage, error) {
	if afterSeq < 0 {
		return LogPage{}, slipway.FieldError("after_seq", "must not be negative")
	}
	if limit < 0 {
		return LogPage{}, slipway.FieldError("limit", "must not be negative (0 asks for %d lines)", DefaultLogPage)
	}
	run, err := s.View(ctx, actor, id)
	if err != nil {
		return LogPage{}, err
	}
	return s.RunLogs(ctx, run, afterSeq, limit)
}

// RunLogs is Logs for a run already loaded with Get: the live state Get
// queried supplies the unstored lines, so no second workflow query is made.
func (s *Service) RunLogs(ctx context.Context, run Run, afterSeq int64, limit int) (LogPage, error) {
	runID, err := uuid.Parse(run.ID)
	if err != nil {
		return LogPage{}, slipway.FieldError("id", "must be a run id (UUID)")
	}
	limit = logPageSize(limit)
	// One line past the page tells whether there is more.
	rows, err := s.Store.Q.ListRunLogs(ctx, queries.ListRunLogsParams{RunID: runID, AfterSeq: afterSeq, MaxLines: int32(limit + 1)})
	if err != nil {
		return LogPage{}, err
	}
	lines := make([]workflows.LogLine, 0, len(rows))
	for _, r := range rows {
		lines = append(lines, workflows.LogLine{Seq: r.Seq, Message: r.Message, At: r.CreatedAt})
	}
	if len(rows) <= limit {
		// Every stored line after afterSeq is here; the unstored ones follow.
		lines = append(lines, unstored(run.pending, lastSeq(lines, afterSeq), math.MaxInt64)...)
	}
	if len(lines) > limit {
		return LogPage{Lines: lines[:limit], More: true}, nil
	}
	return LogPage{Lines: lines}, nil
}

// RunLogsBefore pages backwards: the limit lines just before beforeSeq, in
// order; beforeSeq 0 asks for the newest lines, unstored ones included.
func (s *Service) RunLogsBefore(ctx context.Context, run Run, beforeSeq int64, limit int) (LogPage, error) {
	runID, err := uuid.Parse(run.ID)
	if err != nil {
		return LogPage{}, slipway.FieldError("id", "must be a run id (UUID)")
	}
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	limit = logPageSize(limit)
	rows, err := s.Store.Q.ListRunLogsBefore(ctx, queries.ListRunLogsBeforeParams{RunID: runID, BeforeSeq: beforeSeq, MaxLines: int32(limit + 1)})
	if err != nil {
		return LogPage{}, err
	}
	lines := make([]workflows.LogLine, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		lines = append(lines, workflows.LogLine{Seq: r.Seq, Message: r.Message, At: r.CreatedAt})
	}
	// Unstored lines come after every stored one.
	lines = append(lines, unstored(run.pending, lastSeq(lines, 0), beforeSeq)...)
	if len(lines) > limit {
		return LogPage{Lines: lines[len(lines)-limit:], More: true}, nil
	}
	return LogPage{Lines: lines}, nil
}

func logPageSize(limit int) int {
	if limit <= 0 {
		return DefaultLogPage
	}
	return min(limit, MaxLogPage)
}

// unstored are the pending lines with after < seq < before.
func unstored(pending []workflows.LogLine, after, before int64) []workflows.LogLine {
	var out []workflows.LogLine
	for _, l := range pending {
		if l.Seq > after && l.Seq < before {
			out = append(out, l)
		}
	}
	return out
}

func lastSeq(lines []workflows.LogLine, none int64) int64 {
	if len(lines) == 0 {
		return none
	}
	return lines[len(lines)-1].Seq
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
		WorkflowID: workflows.RunWorkflowID(id), UpdateID: updateID, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	if err == nil {
		s.runChanged(ctx, id) // live pages and WatchRun push the change (runevents)
	}
	return err
}

func (s *Service) mapUpdateError(ctx context.Context, id string, err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case workflows.ErrTypeEnded, workflows.ErrTypePrecond, workflows.ErrTypeUnchanged:
			return slipway.Errorf(slipway.CodePrecondition, "%s", appErr.Message())
		case workflows.ErrTypePermission:
			return slipway.Errorf(slipway.CodePermission, "%s", appErr.Message())
		case workflows.ErrTypeInvalid:
			// The text checks' refusals carry their field as details.
			var field string
			if appErr.HasDetails() && appErr.Details(&field) == nil && field != "" {
				return slipway.FieldError(field, "%s", appErr.Message())
			}
			return slipway.Errorf(slipway.CodeInvalid, "%s", appErr.Message())
		}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// Either no such run, or its workflow has completed.
		if _, getErr := s.Get(ctx, id); getErr != nil {
			return getErr
		}
		return slipway.Errorf(slipway.CodePrecondition, "the run has ended and cannot change any more")
	}
	return err
}

func fromRow(r queries.Run) Run {
	run := Run{
		ID: r.ID.String(), Action: r.ActionIdentifier, Status: r.Status, StatusLabel: r.StatusLabel,
		Summary: r.Summary, ExternalRunID: r.ExternalRunID, RequestedBy: r.RequestedBy, Origin: r.Origin,
		LogCount: r.LogCount, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, EndedAt: r.EndedAt,
		WorkflowID:   workflows.RunWorkflowID(r.ID.String()),
		visibleToAll: r.VisibleToAll, approverSet: r.Approvers,
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
	return run
}
