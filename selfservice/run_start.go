package selfservice

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/text"
)

// Every start of a run (ExecuteAction, Port's POST /v1/actions/{action}/runs,
// the portal's form, re-runs, expiry actions) goes through execute, which
// starts the run's workflow first and writes its row second; the workflow's
// first step writes the same row (workflows/run_record.go says why). A
// process killed at any point of a start leaves no run or a run that
// proceeds. The crash points, in order, at which Service.CrashPoint is
// called (kill tests can stop a start at each):
const (
	// CrashBeforeStart: everything is checked, nothing is written. A crash
	// here leaves nothing.
	CrashBeforeStart = "before-workflow-start"
	// CrashAfterStart: the workflow exists, the starter has not written
	// the row. A crash here leaves a run that proceeds: the workflow's first
	// step writes the row.
	CrashAfterStart = "after-workflow-start"
	// CrashAfterRow: the row is written, the caller not answered. A crash
	// here leaves a run its caller learns of by retrying with the same
	// idempotency key.
	CrashAfterRow = "after-row"
)

// keyedRunWait is how long a call waits for the row of a run another call
// with the same idempotency key has started (the row is written moments
// after the start, by that call or by the workflow).
const keyedRunWait = 10 * time.Second

// Execute starts a run of action for actor.
func (s *Service) Execute(ctx context.Context, actor slipway.User, action, entity string, inputs map[string]any, origin string) (Run, error) {
	return s.ExecuteWithKey(ctx, actor, action, entity, inputs, origin, "")
}

// userKeys derives run ids from users' idempotency keys.
var userKeys = uuid.MustParse("2b7d9c1e-5f4a-4e3b-8c6d-7a9e0f1b2c3d")

// ExecuteWithKey is Execute with an idempotency key (none when empty): the
// same key from the same user returns the run the first call started, with
// Replayed set, and never starts a second one; the same key with another
// action, entity or inputs is refused (conflict), as Stripe and the IETF
// Idempotency-Key draft do, because answering with a run of another
// request would hide the caller's mistake. Keys are per user: two users'
// same key are two runs.
func (s *Service) ExecuteWithKey(ctx context.Context, actor slipway.User, action, entity string, inputs map[string]any, origin, key string) (Run, error) {
	req := startRequest{action: action, entity: entity, inputs: inputs, origin: origin}
	if key == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return Run{}, err
		}
		req.runID = id
		return s.execute(ctx, actor, req)
	}
	if err := text.Check("idempotency_key", text.Identifier, key); err != nil {
		return Run{}, err
	}
	if strings.TrimSpace(key) == "" {
		return Run{}, slipway.FieldError("idempotency_key", "must not be blank")
	}
	req.runID = KeyedRunID(actor.ID, key)
	req.keyed, req.owner = true, actor.ID
	req.hash = requestHash(action, entity, inputs)
	return s.execute(ctx, actor, req)
}

// KeyedRunID is the id of the run user starts with idempotency key key.
func KeyedRunID(user uuid.UUID, key string) uuid.UUID {
	return uuid.NewSHA1(userKeys, []byte(user.String()+"/"+key))
}

// runKeys derives run ids from automation's keys.
var runKeys = uuid.MustParse("6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")

// ExecuteOnce is Execute for automation that may retry: the same key always
// means the same run, so a second call returns the run the first started.
func (s *Service) ExecuteOnce(ctx context.Context, actor slipway.User, action, entity, origin, key string) (Run, error) {
	return s.execute(ctx, actor, startRequest{
		action: action, entity: entity, origin: origin,
		runID: uuid.NewSHA1(runKeys, []byte(key)), keyed: true, hash: requestHash(action, entity, nil),
	})
}

// startRequest is one request to start a run.
type startRequest struct {
	action, entity, origin string
	inputs                 map[string]any
	runID                  uuid.UUID
	// dryRun previews the run: an admin may preview an unpublished action
	// (authoring it), nothing is started.
	dryRun bool
	// keyed runs' ids derive from a key, so the run may exist already.
	keyed bool
	// owner is the only requester a user's keyed run may have.
	owner uuid.UUID
	// hash identifies the request, so a key reused for another is refused.
	hash []byte
}

// requestHash identifies a keyed request by what it asks for.
func requestHash(action, entity string, inputs map[string]any) []byte {
	if inputs == nil {
		inputs = map[string]any{}
	}
	b, _ := json.Marshal([]any{action, entity, inputs}) // map keys sorted: deterministic
	h := sha256.Sum256(b)
	return h[:]
}

func (s *Service) execute(ctx context.Context, actor slipway.User, req startRequest) (Run, error) {
	if req.keyed {
		if run, found, err := s.keyedRun(ctx, req); found || err != nil {
			return run, err
		}
	}
	in, err := s.runInput(ctx, actor, req)
	if err != nil {
		return Run{}, err
	}
	rec := runs.RecordOf(in)
	s.crash(CrashBeforeStart)
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        runs.WorkflowID(in.RunID),
		TaskQueue: runs.TaskQueue,
		// A second start with the same id (a retry with the same idempotency
		// key, running or ended) fails instead of returning the first run's
		// handle, so exactly one call writes the run as its own.
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			runs.SearchAction.ValueSet(in.Action.Identifier),
			runs.SearchStatus.ValueSet(string(rec.Status)),
			runs.SearchRequester.ValueSet(actor.Email),
			runs.SearchBlueprint.ValueSet(in.Action.Trigger.BlueprintIdentifier),
			runs.SearchEntity.ValueSet(in.Entity),
		),
	}, runs.WorkflowName, in)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if req.keyed && errors.As(err, &already) {
		return s.awaitKeyedRun(ctx, req)
	}
	if err != nil {
		// The start may still have reached Temporal (an answer lost on the
		// way back): then the run proceeds and its workflow writes its row.
		slog.ErrorContext(ctx, "start run workflow", "run", in.RunID, "err", err)
		return Run{}, slipway.Errorf(slipway.CodeUnavailable, "Temporal did not confirm the start of the run; retry with an idempotency key to be sure of starting one run")
	}
	s.Metrics.RunStarted(ctx, in.Action.Identifier, string(rec.Status)) // once: a second start of the id fails above
	s.crash(CrashAfterStart)
	row, inserted, err := InsertRun(ctx, s.Store, rec)
	if err == nil && !inserted {
		// The workflow wrote the same record first: answer with the run as
		// it started, as when this call writes it, without reading it back.
		row = recordRow(rec)
	}
	if err != nil {
		if db.Permanent(err) {
			// The workflow's own write is refused too, and it ends before calling the backend.
			return Run{}, db.MapError(err, "run")
		}
		// The run exists and its workflow writes the row: answer with the run.
		slog.WarnContext(ctx, "run row not written by its starter; its workflow writes it", "run", in.RunID, "err", err)
		row = recordRow(rec)
	}
	s.crash(CrashAfterRow)
	run := fromRow(row)
	run.RequesterEmail = actor.Email
	run.Approvers = in.Approvers
	return run, nil
}

// runInput checks a request and resolves everything its run needs: the
// definition, the entity, the inputs with their defaults (secret ones
// sealed), the approval plan and a run token.
func (s *Service) runInput(ctx context.Context, actor slipway.User, req startRequest) (runs.Input, error) {
	d, err := s.GetAction(ctx, req.action)
	if err != nil {
		if slipway.ErrorCode(err) == slipway.CodeNotFound {
			return runs.Input{}, slipway.FieldError("action", "no action %q", req.action)
		}
		return runs.Input{}, err
	}
	if err := checkPublished(actor, d, req); err != nil {
		return runs.Input{}, err
	}
	if (d.Trigger.Operation == actions.OperationDay2 || d.Trigger.Operation == actions.OperationDelete) && strings.TrimSpace(req.entity) == "" {
		return runs.Input{}, slipway.FieldError("entity", "is required: %s actions run on an entity", d.Trigger.Operation)
	}
	var snapshot map[string]any
	if req.entity != "" {
		if snapshot, err = s.entitySnapshot(ctx, d, req.entity); err != nil {
			return runs.Input{}, err
		}
	}
	// Grants first, so that someone who may not run the action learns
	// nothing from its input validation; the policy needs the inputs.
	entityTeam, _ := snapshot["team"].(string)
	if !MayOffer(actor, d, entityTeam) {
		return runs.Input{}, slipway.Errorf(slipway.CodePermission, "you may not run action %s", d.Identifier)
	}
	schema, err := d.Schema()
	if err != nil {
		return runs.Input{}, err
	}
	inputs := req.inputs
	if inputs == nil {
		inputs = map[string]any{}
	}
	// The form's rules (visible, required, enum... as jq) decide as the
	// portal's form did; the workflow checks again with the same context.
	fc := formContextOf(actor, d, snapshot)
	applied, err := schema.ApplyForm(ctx, inputs, fc, nil)
	if err != nil {
		return runs.Input{}, redactSecrets(err, d, inputs)
	}
	if err := s.checkDirectoryInputs(ctx, d, fc, applied); err != nil {
		return runs.Input{}, redactSecrets(err, d, applied)
	}
	token, _ := identity.NewRunToken()
	in := runs.Input{
		RunID: req.runID.String(), Action: d, Inputs: applied, Entity: req.entity, EntitySnapshot: snapshot,
		Requester: runs.Person{ID: actor.ID.String(), Email: actor.Email, Name: actor.Name}, FormUser: &fc.User,
		Origin: req.origin, RunToken: token, RequestHash: req.hash, CodeVersion: runs.CodeVersion,
		// The row keeps microseconds: the payload's time and the row's agree.
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	data := runs.TriggerData(in)
	if err := checkExecute(ctx, actor, d, data); err != nil {
		return runs.Input{}, err
	}
	needsApproval, err := d.RequiredApproval.NeedsApproval(ctx, data)
	if err != nil {
		// The definition is at fault, not the requester's inputs.
		return runs.Input{}, slipway.Errorf(slipway.CodePrecondition, "action %s: requiredApproval.when: %v", d.Identifier, err)
	}
	in.ApprovalWaived = d.RequiredApproval.Required && !needsApproval
	if needsApproval {
		if in.Approvers, in.Stages, err = s.approvalPlan(ctx, actor, d, data); err != nil {
			return runs.Input{}, err
		}
	}
	if req.dryRun {
		return in, nil // nothing is stored or sent: nothing to seal
	}
	// From here on, secret inputs are sealed: the row, the workflow and its
	// history never hold them in plaintext.
	if in.Inputs, err = s.sealInputs(d, in.RunID, applied); err != nil {
		return runs.Input{}, err
	}
	return in, nil
}

// keyedRun finds the run a keyed request started before; found is false
// when there is none yet.
func (s *Service) keyedRun(ctx context.Context, req startRequest) (run Run, found bool, err error) {
	row, err := s.Store.Q.GetRun(ctx, req.runID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, true, err
	}
	if (req.owner != uuid.Nil && row.RequestedBy != req.owner) || (row.RequestHash != nil && string(row.RequestHash) != string(req.hash)) {
		return Run{}, true, &slipway.Error{Code: slipway.CodeConflict, Field: "idempotency_key", Message: fmt.Sprintf(
			"this key started run %s with another action, entity or inputs; a key stands for one request, so use a new key for a new request", row.ID)}
	}
	run, err = s.complete(ctx, row)
	run.Replayed = true
	return run, true, err
}

// awaitKeyedRun waits for the row of the run another call with the same
// key started: that call, or the run's workflow, writes it in moments.
func (s *Service) awaitKeyedRun(ctx context.Context, req startRequest) (Run, error) {
	wait, deadline := 10*time.Millisecond, time.Now().Add(keyedRunWait)
	for {
		run, found, err := s.keyedRun(ctx, req)
		if found || err != nil {
			return run, err
		}
		if time.Now().After(deadline) {
			return Run{}, slipway.Errorf(slipway.CodeUnavailable,
				"run %s of this idempotency key has started but is not recorded yet (no worker has picked it up); retry with the same key", req.runID)
		}
		select {
		case <-ctx.Done():
			return Run{}, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// recordRow is the row rec will be, for answering before it is written.
func recordRow(rec runs.Record) queries.Run {
	id, _ := uuid.Parse(rec.RunID)
	requester, _ := uuid.Parse(rec.RequesterID)
	inputs, _ := json.Marshal(secrets.MaskInputs(rec.Inputs))
	return queries.Run{
		ID: id, ActionIdentifier: rec.Action.Identifier, Blueprint: optional(rec.Action.Trigger.BlueprintIdentifier),
		Entity: optional(rec.Entity), Inputs: inputs, Status: rec.Status, RequestedBy: requester, Origin: rec.Origin,
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.CreatedAt, VisibleToAll: rec.VisibleToAll, Approvers: rec.Approvers,
		WorkflowStarted: true, RequestHash: rec.RequestHash,
	}
}

// crash calls the crash point hook, when a test set one.
func (s *Service) crash(point string) {
	if s.CrashPoint != nil {
		s.CrashPoint(point)
	}
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

// RerunForm is what a re-run's form starts from: run id's action, entity
// and inputs as a re-run by actor would take them (secret values only for
// the run's own requester; see rerunInputs).
func (s *Service) RerunForm(ctx context.Context, actor slipway.User, id string) (Run, map[string]any, error) {
	run, err := s.View(ctx, actor, id)
	if err != nil {
		return Run{}, nil, err
	}
	inputs, err := s.rerunInputs(ctx, actor, run)
	return run, inputs, err
}
