package selfservice

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runevents"
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
	// Approvers may decide while the run waits (live runs only): the
	// current stage's, Stage counting from 0.
	Approvers []string
	Stage     int
	// Affected are the entities the run created, changed or deleted.
	Affected []AffectedEntity
	// Replayed says an idempotency key found this run: an earlier call started it.
	Replayed bool

	// visibleToAll and approverSet decide who may see the run (VisibleTo).
	visibleToAll bool
	approverSet  []string

	// pending are log lines the workflow has not stored yet (live runs only).
	pending []runs.LogLine
}

// AwaitsDecisionFrom reports whether run waits for email's decision now
// (see runs.State.AwaitsDecisionFrom); Approvers and Stage are known for
// live runs only, so an ended run or a bare row awaits no one.
func (r Run) AwaitsDecisionFrom(email string) bool {
	return runs.State{Status: r.Status, Approvers: r.Approvers, Stage: r.Stage, Decisions: r.Approvals}.AwaitsDecisionFrom(email)
}

// AffectedEntity is an entity a run wrote.
type AffectedEntity struct {
	Blueprint, Identifier, Operation string
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
	if run.Status != runs.StatusInProgress {
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
	run.Stage, run.Approvers, run.pending = st.Stage, st.Approvers, st.PendingLogs
	if !st.UpdatedAt.IsZero() {
		run.UpdatedAt = st.UpdatedAt
	}
	// EndedAt stays the row's: the workflow writes it once the run's catalog
	// change is applied, so whoever sees a run ended sees the catalog as the
	// run left it (a DELETE run's entity gone). The status may say SUCCESS a
	// moment before.
}

// ListFilter narrows ListRuns.
type ListFilter struct {
	Action, RequesterEmail, Entity string
	Status                         runs.Status
	ActiveOnly                     bool
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
	p := queries.ListRunsParams{Action: optional(f.Action), Status: optional(string(f.Status)), Entity: optional(f.Entity), ActiveOnly: f.ActiveOnly}
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
// first. One query finds the waiting runs actor approves in some stage,
// with their requesters; each one's current stage and decisions come from
// its workflow, which alone knows them between saves.
func (s *Service) AwaitingDecision(ctx context.Context, actor slipway.User) ([]Run, error) {
	waiting, _, err := s.List(ctx, ListFilter{Status: runs.StatusWaitingForApproval, ActiveOnly: true, PageSize: 200, Viewer: &actor, Approver: actor.Email})
	if err != nil {
		return nil, err
	}
	var mine []Run
	for _, run := range waiting {
		st, err := s.liveState(ctx, run.ID)
		if err != nil {
			continue // its workflow cannot say now; the run's page can
		}
		applyLive(&run, st)
		if run.AwaitsDecisionFrom(actor.Email) {
			mine = append(mine, run)
		}
	}
	return mine, nil
}

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
	Lines []runs.LogLine
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
	lines := make([]runs.LogLine, 0, len(rows))
	for _, r := range rows {
		lines = append(lines, runs.LogLine{Seq: r.Seq, Message: r.Message, At: r.CreatedAt})
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
	lines := make([]runs.LogLine, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		lines = append(lines, runs.LogLine{Seq: r.Seq, Message: r.Message, At: r.CreatedAt})
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
func unstored(pending []runs.LogLine, after, before int64) []runs.LogLine {
	var out []runs.LogLine
	for _, l := range pending {
		if l.Seq > after && l.Seq < before {
			out = append(out, l)
		}
	}
	return out
}

func lastSeq(lines []runs.LogLine, none int64) int64 {
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

func fromRow(r queries.Run) Run {
	run := Run{
		ID: r.ID.String(), Action: r.ActionIdentifier, Status: r.Status, StatusLabel: r.StatusLabel,
		Summary: r.Summary, ExternalRunID: r.ExternalRunID, RequestedBy: r.RequestedBy, Origin: r.Origin,
		LogCount: r.LogCount, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, EndedAt: r.EndedAt,
		WorkflowID:   runs.WorkflowID(r.ID.String()),
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
