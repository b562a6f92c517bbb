package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
)

// continueAsNewAfter bounds a run's history: chatty backends (100,000 log
// lines) continue in a fresh run with the state carried over.
const continueAsNewAfter = 8000

// eventsPerUpdate is what one accepted update adds to the history, at most
// (accepted + completed, and its share of workflow tasks).
const eventsPerUpdate = 5

// logBatch is the most lines one AppendRunLogs call stores.
const logBatch = 500

// Run is one action run: validate, wait for approval under its TTL, call
// the backend with retries, follow status and log updates until the run
// ends or times out, and record every state in PostgreSQL.
func Run(ctx workflow.Context, in runs.Input) error {
	r := &run{in: in}
	if err := r.setup(ctx); err != nil {
		return err
	}
	return r.run(ctx)
}

type run struct {
	in runs.Input
	s  *runs.State
	// timerFired is set by the phase timer (approval TTL or run timeout).
	timerFired bool
	// stageStarted is set when an approval stage's quorum starts the next stage.
	stageStarted bool
	// pendingNotices counts notices still being delivered.
	pendingNotices int
	// updates counts the updates accepted by this workflow run.
	updates int
	// cancelBackend stops an in-flight backend call when the run is cancelled.
	cancelBackend workflow.CancelFunc
	// endedByUpdate is set when an update handler set the final status.
	endedByUpdate bool
	// logKeyIndex looks up s.LogKeys (run_logkeys.go).
	logKeyIndex map[string]int64
	// codeVersion is the run's code version, once decided (run_versions.go).
	codeVersion int
	// savedDecisions is how many decisions the row held at its last save.
	savedDecisions int
	// reportUnsaved is set when a report changed what the row shows
	// (label, links, summary) and the row has not been saved since
	// (CodeVersion 4 on: live pages read rows, never the workflow).
	reportUnsaved bool
	// searchStatus is the status search attribute's value as last set.
	searchStatus runs.Status
	// stopPhaseTimer cancels the current phase's timer (CodeVersion 3 on).
	stopPhaseTimer workflow.CancelFunc
	// followerYielded is set when the GitHub run's follower stopped for
	// the run to continue as new (run_backend_github.go).
	followerYielded bool
}

func (r *run) setup(ctx workflow.Context) error {
	if r.in.State != nil {
		r.s = r.in.State
	} else {
		r.s = &runs.State{Status: runs.StatusInProgress, Approvers: r.in.Approvers}
		if r.in.Action.RequiredApproval.Required && !r.in.ApprovalWaived {
			r.s.Status = runs.StatusWaitingForApproval
		}
	}
	if err := workflow.SetQueryHandler(ctx, runs.QueryState, func() (runs.State, error) { return r.s.WithoutLogKeys(), nil }); err != nil {
		return err
	}
	handlers := []struct {
		name      string
		handler   any
		validator any
	}{
		{runs.UpdateDecide, r.decide, r.validateDecide},
		{runs.UpdateReport, r.report, r.validateReport},
		{runs.UpdateLog, r.log, r.validateLog},
		{runs.UpdateCancel, r.cancel, r.validateCancel},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) run(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	r.version(ctx)
	if r.in.State == nil {
		if err := r.start(ctx); err != nil {
			return err
		}
	}
	for !r.s.Status.Ended() {
		var err error
		switch r.s.Status {
		case runs.StatusWaitingForApproval:
			err = r.awaitApproval(ctx)
		case runs.StatusInProgress:
			err = r.inProgress(ctx)
		}
		if err != nil {
			return err
		}
		if r.shouldContinueAsNew(ctx) {
			return r.continueAsNew(ctx)
		}
	}
	return r.finish(ctx)
}

// start records the run's row, validates the inputs again,
// deterministically, and records the first state.
func (r *run) start(ctx workflow.Context) error {
	// Runs started since the workflow writes its own row (see run_record.go)
	// write it first of all; older runs' starters wrote it before starting
	// them, and their histories replay without this step.
	if r.takes(ctx, "record-row") {
		if err := r.record(ctx); err != nil {
			return err
		}
	}
	// Compiling and applying the form is pure: same definition and inputs,
	// same answer (violations are sorted), so it is safe in a workflow.
	//workflowcheck:ignore
	schema, err := r.in.Action.Schema()
	switch {
	case err != nil:
	case r.version(ctx) >= 5:
		// The form's rules (jq over .form, .entity, .user, .trigger) are
		// evaluated over what the starter recorded in the input, never
		// over the directory or the catalog now.
		err = r.applyForm(schema)
	default:
		// Secret inputs were checked in plaintext, then sealed: they pass as strings.
		//workflowcheck:ignore
		_, err = schema.ApplySealed(r.in.Inputs, secrets.IsSealed)
	}
	if err != nil {
		return r.end(ctx, runs.StatusFailure, "invalid inputs: "+userMessage(err))
	}
	r.s.Notify = r.takes(ctx, "notifications")
	if r.s.Status == runs.StatusWaitingForApproval {
		r.s.ApprovalDeadline = workflow.Now(ctx).Add(r.stageTTL())
		r.noticeWaiting(ctx)
	}
	if err := r.changed(ctx); err != nil {
		return err
	}
	// The row holds this first state already, so saving it again is
	// an activity spent for nothing. Runs started before this change did
	// save it, and their replays must still do so.
	if !r.takes(ctx, "skip-initial-save") {
		return r.save(ctx)
	}
	return nil
}

func (r *run) awaitApproval(ctx workflow.Context) error {
	r.startPhaseTimer(ctx, r.s.ApprovalDeadline)
	defer r.endPhase()
	for r.s.Status == runs.StatusWaitingForApproval && !r.shouldContinueAsNew(ctx) {
		if err := workflow.Await(ctx, func() bool {
			return r.s.Status != runs.StatusWaitingForApproval || r.timerFired || len(r.s.PendingLogs) > 0 || r.stageStarted || r.decisionUnsaved() || r.reportUnsaved
		}); err != nil {
			return err
		}
		if err := r.saveReport(ctx); err != nil {
			return err
		}
		if r.stageStarted && r.s.Status == runs.StatusWaitingForApproval {
			// The stage before reached its quorum: this stage's TTL starts now.
			r.stageStarted = false
			r.startPhaseTimer(ctx, r.s.ApprovalDeadline)
			r.noticeWaiting(ctx)
			if err := r.save(ctx); err != nil {
				return err
			}
		}
		if r.s.Status == runs.StatusWaitingForApproval && r.decisionUnsaved() {
			// One of ALL decided and the run still waits: the row says so,
			// so the inbox no longer lists the run to that approver.
			if err := r.save(ctx); err != nil {
				return err
			}
		}
		if r.s.Status == runs.StatusWaitingForApproval && r.timerFired {
			if err := r.end(ctx, runs.StatusExpired, "approval expired after "+r.stageTTL().String()+r.stageSuffix()); err != nil {
				return err
			}
		}
		if err := r.flushLogs(ctx); err != nil {
			return err
		}
	}
	r.recordApprovalWait(ctx)
	r.timerFired = false
	if r.s.Status == runs.StatusInProgress {
		r.noticeApproved(ctx)
		return r.save(ctx)
	}
	return nil
}

func (r *run) inProgress(ctx workflow.Context) error {
	if r.s.RunDeadline.IsZero() {
		r.s.RunDeadline = workflow.Now(ctx).Add(r.in.Action.EffectiveRunTimeout())
	}
	defer r.endPhase()
	if r.version(ctx) >= 4 && !r.s.BackendCalled && r.backendEndsTheRun() {
		// The call itself stops at the deadline (its ScheduleToClose), so
		// a timer beside it would only add two events and a timer task to
		// every such run. One starts if the run goes on after the call.
		r.s.BackendCalled = true
		if err := r.callBackend(ctx); err != nil {
			return err
		}
	}
	if r.s.Status.Ended() {
		return nil
	}
	r.startPhaseTimer(ctx, r.s.RunDeadline)
	if !r.s.BackendCalled {
		r.s.BackendCalled = true
		if err := r.callBackend(ctx); err != nil {
			return err
		}
	} else {
		r.resumeGitHub(ctx) // continued as new while following a GitHub run
	}
	if r.s.Pipeline != nil && !r.s.Status.Ended() {
		// Continued as new while following its GitLab pipeline: follow on.
		if err := r.resumeGitLabPipeline(ctx); err != nil {
			return err
		}
	}
	for !r.s.Status.Ended() && !r.shouldContinueAsNew(ctx) {
		if err := workflow.Await(ctx, func() bool {
			return r.s.Status.Ended() || r.timerFired || len(r.s.PendingLogs) > 0 || r.reportUnsaved || r.followerYielded
		}); err != nil {
			return err
		}
		if err := r.saveReport(ctx); err != nil {
			return err
		}
		if !r.s.Status.Ended() && r.timerFired {
			if err := r.end(ctx, runs.StatusFailure, "timed out after "+r.in.Action.EffectiveRunTimeout().String()); err != nil {
				return err
			}
		}
		if err := r.flushLogs(ctx); err != nil {
			return err
		}
	}
	return nil
}

// backendEndsTheRun says whether the backend call ends the run by itself:
// a synchronized webhook's answer, an UPSERT_ENTITY's write or a TEMPORAL
// handler's result.
func (r *run) backendEndsTheRun() bool {
	inv := r.in.Action.InvocationMethod
	return inv.Type == actions.InvocationUpsertEntity || inv.Type == actions.InvocationTemporal || inv.Synchronized
}

func (r *run) callBackend(ctx workflow.Context) error {
	// encoding/json sorts map keys: deterministic.
	//workflowcheck:ignore
	payload, err := json.Marshal(runs.TriggerData(r.in))
	if err != nil {
		return err
	}
	inv := r.in.Action.InvocationMethod
	switch inv.Type {
	case actions.InvocationUpsertEntity:
		return r.upsertEntity(ctx, payload)
	case actions.InvocationTemporal:
		return r.callTemporal(ctx)
	case actions.InvocationGitHub:
		return r.callGitHub(ctx, payload)
	}
	retry := r.in.Action.EffectiveRetry()
	callCtx, cancel := workflow.WithCancel(ctx)
	r.cancelBackend = cancel
	defer func() { r.cancelBackend = nil }()
	callCtx = workflow.WithActivityOptions(callCtx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		// Retries stop at the run deadline at the latest.
		ScheduleToCloseTimeout: r.s.RunDeadline.Sub(workflow.Now(ctx)),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Duration(retry.InitialInterval),
			BackoffCoefficient:     retry.BackoffCoefficient,
			MaximumInterval:        time.Duration(retry.MaximumInterval),
			MaximumAttempts:        int32(retry.MaximumAttempts),
			NonRetryableErrorTypes: []string{activities.ErrTypeBackendRejected},
		},
	})
	switch inv.Type {
	case actions.InvocationKafka:
		return r.publishKafka(ctx, callCtx, payload)
	case actions.InvocationGitLab:
		return r.runGitLabPipeline(ctx, callCtx, payload)
	}
	var a *activities.Activities
	var res activities.CallWebhookResult
	err = workflow.ExecuteActivity(callCtx, a.CallWebhook, activities.CallWebhookInput{
		URL: inv.URL, Method: inv.Method, Headers: inv.Headers, Body: inv.Body, Data: payload, Synchronized: inv.Synchronized,
	}).Get(callCtx, &res)
	switch {
	case r.s.Status.Ended():
		return nil // cancelled meanwhile
	case err != nil:
		return r.end(ctx, runs.StatusFailure, backendFailureLabel(err))
	case inv.Synchronized:
		return r.applySyncResult(ctx, res)
	}
	return r.save(ctx)
}

// upsertEntity is the whole backend of an UPSERT_ENTITY action.
func (r *run) upsertEntity(ctx workflow.Context, data []byte) error {
	inv := r.in.Action.InvocationMethod
	var a *activities.Activities
	var res activities.UpsertMappedEntityResult
	err := workflow.ExecuteActivity(ctx, a.UpsertMappedEntity, activities.UpsertMappedEntityInput{
		Blueprint: inv.BlueprintIdentifier, Mapping: *inv.Mapping, Data: data, Requester: r.in.Requester.ID, RunID: r.in.RunID,
	}).Get(ctx, &res)
	if err != nil {
		return r.end(ctx, runs.StatusFailure, backendFailureLabel(err))
	}
	return r.end(ctx, runs.StatusSuccess, fmt.Sprintf("%s %s written", inv.BlueprintIdentifier, res.Identifier))
}

// applySyncResult ends a synchronous run from the backend's response. A
// JSON body may carry Port's run fields (status, statusLabel, link, summary).
func (r *run) applySyncResult(ctx workflow.Context, res activities.CallWebhookResult) error {
	var body struct {
		Status        runs.Status `json:"status"`
		StatusLabel   string      `json:"statusLabel"`
		Link          any         `json:"link"`
		Summary       string      `json:"summary"`
		ExternalRunID string      `json:"externalRunId"`
	}
	//workflowcheck:ignore
	_ = json.Unmarshal(res.Body, &body)
	status := runs.StatusSuccess
	if body.Status == runs.StatusFailure {
		status = runs.StatusFailure
	}
	r.s.Links = append(r.s.Links, links(body.Link)...)
	if body.Summary != "" {
		r.s.Summary = body.Summary
	}
	if body.ExternalRunID != "" {
		r.s.ExternalRunID = body.ExternalRunID
	}
	label := body.StatusLabel
	if label == "" {
		label = fmt.Sprintf("backend answered %d", res.StatusCode)
	}
	return r.end(ctx, status, label)
}

// startPhaseTimer starts the timer of the current phase (an approval
// stage's TTL, the run's timeout), stopping the previous phase's.
func (r *run) startPhaseTimer(ctx workflow.Context, deadline time.Time) {
	r.endPhase()
	r.timerFired = false
	wait := deadline.Sub(workflow.Now(ctx))
	if wait <= 0 {
		r.timerFired = true
		return
	}
	phase, stage := r.s.Status, r.s.Stage
	if r.version(ctx) >= 3 {
		ctx, r.stopPhaseTimer = workflow.WithCancel(ctx)
	}
	workflow.Go(ctx, func(gctx workflow.Context) {
		if err := workflow.NewTimer(gctx, wait).Get(gctx, nil); err == nil && r.s.Status == phase && r.s.Stage == stage {
			r.timerFired = true
		}
	})
}

// endPhase cancels the phase's timer, as EntityExpiry does: a timer left
// running would fire days after its phase ended (and the run, often), for
// nothing. Runs from before CodeVersion 3 leave theirs, and their
// histories replay without the cancellations.
func (r *run) endPhase() {
	if r.stopPhaseTimer != nil {
		r.stopPhaseTimer()
		r.stopPhaseTimer = nil
	}
}

// flushLogs stores pending lines in batches. Lines that arrive meanwhile
// wait for the next batch, so fast backends get bigger batches.
func (r *run) flushLogs(ctx workflow.Context) error {
	for len(r.s.PendingLogs) > 0 {
		n := min(len(r.s.PendingLogs), logBatch)
		batch := make([]runs.LogLine, n)
		for i, l := range r.s.PendingLogs[:n] {
			batch[i] = runs.LogLine(l)
		}
		var a *activities.Activities
		if err := r.write(ctx, a.AppendRunLogs, appendRunLogs, activities.AppendRunLogsInput{RunID: r.in.RunID, Lines: batch}); err != nil {
			reason, goOn := refusedWrite(ctx, err)
			if !goOn {
				return err
			}
			if err := r.logsRefused(ctx, batch, reason); err != nil {
				return err
			}
		}
		r.s.PendingLogs = r.s.PendingLogs[n:]
	}
	return nil
}

func (r *run) finish(ctx workflow.Context) error {
	// Let in-flight updates finish so none is lost, then store what is pending.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if err := r.flushLogs(ctx); err != nil {
		return err
	}
	if err := r.applyCatalogChange(ctx); err != nil {
		reason, goOn := refusedWrite(ctx, err)
		if !goOn {
			return err
		}
		if err := r.deletionRefused(ctx, reason); err != nil {
			return err
		}
	}
	if err := r.save(ctx); err != nil {
		return err
	}
	// After the save: a rate-limited GitHub must not hold the run's end back.
	r.stopGitHub(ctx) // a cancelled or timed-out run cancels its GitHub run
	r.noticeEnded(ctx)
	// Notices go out before the workflow ends: a receiver that is down
	// holds the workflow open (not the run, which has ended) until it is back.
	if err := workflow.Await(ctx, func() bool { return r.pendingNotices == 0 }); err != nil {
		return err
	}
	if r.endedByUpdate {
		return r.answerUpdatesFirst(ctx)
	}
	return nil
}

// inUpdate says whether ctx is an update handler's. The SDK documents
// GetCurrentUpdateInfo as nil outside one, but it panics there (v1.50).
func inUpdate(ctx workflow.Context) (yes bool) {
	defer func() {
		if recover() != nil {
			yes = false
		}
	}()
	return workflow.GetCurrentUpdateInfo(ctx) != nil
}

// answerUpdatesFirst completes the current workflow task before the
// workflow closes. An update is answered when its task completes; a task
// that also closes the workflow is refused when an event arrives meanwhile
// (the result of a backend call the update cancelled), and the update
// fails with it. With local writes nothing else ends that task, so a
// short timer does. Runs that wrote through activities never get here.
func (r *run) answerUpdatesFirst(ctx workflow.Context) error {
	if !r.takes(ctx, "local-writes") {
		return nil
	}
	return workflow.Sleep(ctx, time.Millisecond)
}

// applyCatalogChange makes a successful DELETE run remove its entity.
func (r *run) applyCatalogChange(ctx workflow.Context) error {
	if r.s.Status != runs.StatusSuccess || r.in.Action.Trigger.Operation != actions.OperationDelete || r.in.Entity == "" {
		return nil
	}
	var a *activities.Activities
	return workflow.ExecuteActivity(ctx, a.DeleteEntity, activities.DeleteEntityInput{
		Blueprint: r.in.Action.Trigger.BlueprintIdentifier, Identifier: r.in.Entity, RunID: r.in.RunID,
	}).Get(ctx, nil)
}

func (r *run) shouldContinueAsNew(ctx workflow.Context) bool {
	limit := r.in.ContinueAsNewAfter
	if limit <= 0 {
		limit = continueAsNewAfter
	}
	info := workflow.GetInfo(ctx)
	// Each accepted update costs a few events; counting them bounds the
	// history even where the server's length is not known yet.
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > limit || r.updates*eventsPerUpdate > limit
}

func (r *run) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && r.pendingNotices == 0 }); err != nil {
		return err
	}
	if err := r.flushLogs(ctx); err != nil {
		return err
	}
	if r.updates > 0 {
		if err := r.answerUpdatesFirst(ctx); err != nil {
			return err
		}
	}
	next := r.in
	state := *r.s
	next.State = &state
	return workflow.NewContinueAsNewError(ctx, Run, next)
}

// end sets a final status.
func (r *run) end(ctx workflow.Context, status runs.Status, label string) error {
	if r.s.Status.Ended() {
		return nil
	}
	r.s.Status, r.s.StatusLabel = status, label
	r.s.EndedAt = workflow.Now(ctx)
	r.endedByUpdate = inUpdate(ctx)
	if r.cancelBackend != nil {
		r.cancelBackend()
	}
	return r.changed(ctx)
}

// changed bumps the version and keeps the status search attribute current.
// From CodeVersion 3 on, a status the attribute holds already (the
// starter sets the first) is not upserted again: an upsert is an event and
// a visibility write. The upsert fails only for a key or value the server
// cannot take (a namespace without Slipway's attributes): the error goes
// up, failing the update or the run's workflow, rather than leaving
// operators' filters wrong.
func (r *run) changed(ctx workflow.Context) error {
	r.s.Version++
	r.s.UpdatedAt = workflow.Now(ctx)
	if r.version(ctx) >= 3 {
		if r.searchStatus == "" {
			current, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(runs.SearchStatus)
			r.searchStatus = runs.Status(current)
		}
		if r.searchStatus == r.s.Status {
			return nil
		}
		r.searchStatus = r.s.Status
	}
	return workflow.UpsertTypedSearchAttributes(ctx, runs.SearchStatus.ValueSet(string(r.s.Status)))
}

// decisionUnsaved reports whether a decision was taken since the row was
// last saved (CodeVersion 3 on; earlier runs saved only status changes).
func (r *run) decisionUnsaved() bool {
	return r.codeVersion >= 3 && len(r.s.Decisions) > r.savedDecisions
}

// saveReport saves the row after a report that left the run going, so
// the row shows its label, links and summary as the workflow holds them.
// A report that ended the run is saved by finish.
func (r *run) saveReport(ctx workflow.Context) error {
	if !r.reportUnsaved || r.s.Status.Ended() {
		return nil
	}
	return r.save(ctx)
}

func (r *run) save(ctx workflow.Context) error {
	r.savedDecisions = len(r.s.Decisions)
	r.reportUnsaved = false
	var ended *time.Time
	if !r.s.EndedAt.IsZero() {
		t := r.s.EndedAt
		ended = &t
	}
	var a *activities.Activities
	return r.write(ctx, a.SaveRun, saveRun, activities.SaveRunInput{
		RunID: r.in.RunID, Version: r.s.Version, Status: r.s.Status, StatusLabel: r.savedLabel(),
		Links: r.s.Links, Summary: r.s.Summary, ExternalRunID: r.s.ExternalRunID,
		Approvals: r.s.Decisions, LogCount: r.s.LogCount, EndedAt: ended, Stage: r.s.Stage, StageApprovers: r.s.Approvers,
	})
}

// Registered names of the writes, so the worker's instance (with its
// store) runs them as local activities.
const (
	saveRun       = "SaveRun"
	appendRunLogs = "AppendRunLogs"
)

// write stores the run's row or log lines. They are a few statements
// against Slipway's own database, so they run as local activities: in the
// worker, inside the workflow task that asks for them, without a round trip
// through the task queue (the final save used to cost a sync run a third of
// its time in Temporal). Retries are the same and never give up. Runs
// recorded before this change wrote through regular activities, and their
// replays still do.
func (r *run) write(ctx workflow.Context, activity any, name string, in any) error {
	if !r.takes(ctx, "local-writes") {
		return workflow.ExecuteActivity(ctx, activity, in).Get(ctx, nil)
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	return workflow.ExecuteLocalActivity(lctx, name, in).Get(lctx, nil)
}

// Update handlers. The decide validator refuses each way a run may not
// await the approver's decision (runs.State.AwaitsDecisionFrom). Validators refuse what cannot apply, so a refused
// update leaves no trace in the history; handlers then cannot fail.

func (r *run) validateDecide(req runs.DecideRequest) error {
	switch {
	case r.s.Status.Ended():
		return ended(r.s.Status)
	case r.s.Status != runs.StatusWaitingForApproval:
		return runs.Refusef(slipway.CodePrecondition, "the run is not waiting for approval")
	case strings.EqualFold(req.Approver, r.in.Requester.Email) && !r.in.Action.AllowSelfApproval:
		return runs.Refusef(slipway.CodePermission, "requesters cannot approve or decline their own runs")
	case !r.s.IsApprover(req.Approver):
		return runs.Refusef(slipway.CodePermission, "%s is not an approver of this run%s", req.Approver, r.stageSuffix())
	case r.s.HasDecided(req.Approver):
		return runs.Refusef(slipway.CodePrecondition, "%s has already decided on this run%s", req.Approver, r.stageSuffix())
	}
	return reasonText(req.Reason)
}

// stageTTL is how long the current approval stage may wait.
func (r *run) stageTTL() time.Duration {
	if r.s.Stage < len(r.in.Stages) && r.in.Stages[r.s.Stage].TTL > 0 {
		return r.in.Stages[r.s.Stage].TTL
	}
	return r.in.Action.EffectiveApprovalTTL()
}

// stageSuffix names the current stage in labels and errors, for multi-stage runs.
func (r *run) stageSuffix() string {
	if len(r.in.Stages) == 0 {
		return ""
	}
	st := r.in.Stages[r.s.Stage]
	name := st.Title
	if name == "" {
		name = fmt.Sprintf("%d of %d", r.s.Stage+1, len(r.in.Stages))
	}
	return " (stage " + name + ")"
}

func (r *run) decide(ctx workflow.Context, req runs.DecideRequest) (runs.State, error) {
	r.updates++
	r.s.Decisions = append(r.s.Decisions, runs.Decision{Stage: r.s.Stage, Approver: req.Approver, Approved: req.Approve, Reason: req.Reason, At: workflow.Now(ctx)})
	var err error
	switch {
	case !req.Approve:
		label := "declined by " + req.Approver + r.stageSuffix()
		if req.Reason != "" {
			label += ": " + req.Reason
		}
		err = r.end(ctx, runs.StatusDeclined, label)
	case r.quorumMet() && r.s.Stage+1 < len(r.in.Stages):
		label := "approved" + r.stageSuffix()
		r.s.Stage++
		r.s.Approvers = r.in.Stages[r.s.Stage].Approvers
		r.s.ApprovalDeadline = workflow.Now(ctx).Add(r.stageTTL())
		r.s.StatusLabel = label
		r.stageStarted = true
		err = r.changed(ctx)
	case r.quorumMet():
		r.s.Status, r.s.StatusLabel = runs.StatusInProgress, "approved"
		err = r.changed(ctx)
	default:
		err = r.changed(ctx)
	}
	return r.s.WithoutLogKeys(), err
}

func (r *run) quorumMet() bool {
	quorum := r.in.Action.RequiredApproval.Quorum
	if r.s.Stage < len(r.in.Stages) {
		quorum = r.in.Stages[r.s.Stage].Quorum
	}
	if quorum != actions.QuorumAll {
		return true
	}
	for _, a := range r.s.Approvers {
		if !slices.ContainsFunc(r.s.Decisions, func(d runs.Decision) bool {
			return d.Stage == r.s.Stage && d.Approved && strings.EqualFold(d.Approver, a)
		}) {
			return false
		}
	}
	return true
}

func (r *run) validateReport(req runs.ReportRequest) error {
	if r.s.Status.Ended() {
		return r.endedRefusal(req.Status)
	}
	switch req.Status {
	case "", runs.StatusSuccess, runs.StatusFailure:
	default:
		return runs.Refusef(slipway.CodeInvalid, "status must be SUCCESS or FAILURE")
	}
	if req.Status != "" && r.s.Status != runs.StatusInProgress {
		return runs.Refusef(slipway.CodePrecondition, "the run is not in progress")
	}
	return reportText(req)
}

func (r *run) report(ctx workflow.Context, req runs.ReportRequest) (runs.State, error) {
	r.updates++
	if req.StatusLabel != nil {
		r.s.StatusLabel = *req.StatusLabel
	}
	if req.Links != nil {
		r.s.Links = *req.Links
	}
	if req.Summary != nil {
		r.s.Summary = *req.Summary
	}
	if req.ExternalRunID != nil {
		r.s.ExternalRunID = *req.ExternalRunID
	}
	var err error
	if req.Status != "" {
		err = r.end(ctx, req.Status, r.s.StatusLabel)
	} else {
		err = r.changed(ctx)
		r.reportUnsaved = r.version(ctx) >= 4
	}
	return r.s.WithoutLogKeys(), err
}

func (r *run) validateLog(req runs.LogRequest) error {
	if req.IdempotencyKey != "" {
		if _, known := r.loggedSeq(req.IdempotencyKey); known {
			// A retry of a stored line: the handler answers its seq, even
			// after the line ended the run.
			return nil
		}
	}
	if r.s.Status.Ended() {
		return r.endedRefusal(req.TerminationStatus)
	}
	if strings.TrimSpace(req.Message) == "" {
		return runs.Refusef(slipway.CodeInvalid, "message is required")
	}
	switch req.TerminationStatus {
	case "", runs.StatusSuccess, runs.StatusFailure:
	default:
		return runs.Refusef(slipway.CodeInvalid, "terminationStatus must be SUCCESS or FAILURE")
	}
	return logText(req)
}

func (r *run) log(ctx workflow.Context, req runs.LogRequest) (int64, error) {
	r.updates++
	// Runs that took lines before keys existed ignore them on replay.
	keyed := req.IdempotencyKey != "" && r.takes(ctx, "log-keys")
	if keyed {
		// Checked here too: two sends of a new key can both pass the
		// validator before either is handled.
		if seq, known := r.loggedSeq(req.IdempotencyKey); known {
			return seq, nil
		}
	}
	r.addLog(ctx, req.Message)
	if keyed {
		r.rememberLogKey(req.IdempotencyKey, r.s.LogCount)
	}
	if req.TerminationStatus != "" {
		label := req.StatusLabel
		if label == "" {
			label = r.s.StatusLabel
		}
		if err := r.end(ctx, req.TerminationStatus, label); err != nil {
			return 0, err
		}
	}
	return r.s.LogCount, nil
}

func (r *run) validateCancel(req runs.CancelRequest) error {
	if r.s.Status.Ended() {
		return ended(r.s.Status)
	}
	return reasonText(req.Reason)
}

func (r *run) cancel(ctx workflow.Context, req runs.CancelRequest) (runs.State, error) {
	r.updates++
	label := "cancelled by " + req.By
	if req.Reason != "" {
		label += ": " + req.Reason
	}
	err := r.end(ctx, runs.StatusCancelled, label)
	return r.s.WithoutLogKeys(), err
}

// endedRefusal refuses an update to an ended run. Repeating the status it
// ended with is "unchanged", which the API answers as success: a backend
// that retries its final update was heard the first time.
func (r *run) endedRefusal(status runs.Status) error {
	if status != "" && status == r.s.Status {
		return temporal.NewApplicationError("the run has already ended "+string(status)+"; nothing changed", runs.Unchanged)
	}
	return ended(r.s.Status)
}

func ended(status runs.Status) error {
	return runs.Refusef(slipway.CodePrecondition, "the run has ended (%s) and cannot change any more", status)
}

func backendFailureLabel(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		return "backend did not answer in time"
	}
	return "backend call failed"
}

func userMessage(err error) string {
	msg := err.Error()
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	return msg
}

func links(v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
