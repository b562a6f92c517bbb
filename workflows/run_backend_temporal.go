package workflows

import (
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/backend"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/text"
)

// TemporalWorkerWait is how long a TEMPORAL call waits for the team's
// worker to pick it up before the run says it is waiting for one (it goes
// on waiting, until the run's timeout). Tests shorten it. Replay does not
// check the timeouts it sets, so changing it keeps histories replaying
// (but for a run with less than it left, whose Nexus wait timer would
// start, or not, differently).
var TemporalWorkerWait = 10 * time.Second

// callTemporal is the TEMPORAL backend: the run schedules the activity the
// definition names on the team's own task queue, and a worker of theirs
// (package backend) serves it. The call ends the run with the handler's
// Result; meanwhile the handler's Log, Link and Summary arrive as the
// run's usual updates, and the lines are stored here as they come.
//
// The call is sent and answered in plain JSON, whatever codec Slipway
// encrypts its own payloads with: the team's worker holds no Slipway key.
// That is why TEMPORAL actions take no secret inputs (refused on write)
// and why the payload leaves out the run's token. No secret is opened for
// the call, so it needs no prepareCall; the definition has no templates.
func (r *run) callTemporal(ctx workflow.Context) error {
	inv := r.in.Action.InvocationMethod
	callCtx, cancel := workflow.WithCancel(ctx)
	r.cancelBackend = cancel
	defer func() { r.cancelBackend = nil }()
	callCtx = workflow.WithDataConverter(callCtx, converter.GetDefaultDataConverter())

	if inv.Nexus != nil {
		return r.callNexus(ctx, callCtx)
	}
	retry := r.in.Action.EffectiveRetry()
	waitForStart := TemporalWorkerWait
	for {
		left := r.s.RunDeadline.Sub(workflow.Now(ctx))
		if left <= 0 {
			return r.end(ctx, runs.StatusFailure, r.timedOutLabel())
		}
		opts := workflow.ActivityOptions{
			TaskQueue:              inv.TaskQueue,
			ScheduleToCloseTimeout: left,
			HeartbeatTimeout:       backend.HeartbeatTimeout,
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:    time.Duration(retry.InitialInterval),
				BackoffCoefficient: retry.BackoffCoefficient,
				MaximumInterval:    time.Duration(retry.MaximumInterval),
				MaximumAttempts:    int32(retry.MaximumAttempts),
			},
		}
		if waitForStart > 0 && waitForStart < left {
			// Not retried by Temporal: the call fails once with it, and the
			// run says what it waits for before scheduling it again.
			opts.ScheduleToStartTimeout = waitForStart
		}
		var res backend.Result
		err := r.awaitCall(ctx, workflow.ExecuteActivity(workflow.WithActivityOptions(callCtx, opts), inv.Activity, runs.TemporalPayload(r.in)), &res)
		var timeout *temporal.TimeoutError
		if errors.As(err, &timeout) && timeout.TimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START && !r.s.Status.Ended() {
			waitForStart = 0
			if err := r.waiting(ctx, "waiting for a worker on task queue "+inv.TaskQueue); err != nil {
				return err
			}
			continue
		}
		return r.applyTemporalResult(ctx, res, err)
	}
}

// callNexus calls the Nexus operation the definition names: a team whose
// workers live in their own namespace serves it, and the Temporal server
// routes the call through the endpoint, so Slipway holds none of the
// team's credentials. The operation reports its progress with its result
// (package backend); cancelling the run cancels the operation, and waits
// until the team's side has the request.
func (r *run) callNexus(ctx, callCtx workflow.Context) error {
	n := r.in.Action.InvocationMethod.Nexus
	left := r.s.RunDeadline.Sub(workflow.Now(ctx))
	if left <= 0 {
		return r.end(ctx, runs.StatusFailure, r.timedOutLabel())
	}
	call := workflow.NewNexusClient(n.Endpoint, n.Service).ExecuteOperation(callCtx, n.Operation, runs.TemporalPayload(r.in), workflow.NexusOperationOptions{
		ScheduleToCloseTimeout: left,
		CancellationType:       workflow.NexusOperationCancellationTypeWaitRequested,
	})
	if wait := TemporalWorkerWait; wait > 0 && wait < left {
		started := call.GetNexusOperationExecution()
		inTime, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return started.IsReady() || r.s.Status.Ended() })
		if err != nil {
			return err
		}
		if !inTime {
			if err := r.waiting(ctx, "waiting for a worker behind Nexus endpoint "+n.Endpoint); err != nil {
				return err
			}
		}
	}
	var res backend.Result
	return r.applyTemporalResult(ctx, res, r.awaitCall(ctx, call, &res))
}

// applyTemporalResult ends the run with a TEMPORAL call's outcome, with
// the progress the result carries (a Nexus call's, or what a handler put
// in its Result).
func (r *run) applyTemporalResult(ctx workflow.Context, res backend.Result, err error) error {
	var timeout *temporal.TimeoutError
	switch {
	case r.s.Status.Ended():
		return nil // cancelled meanwhile
	case errors.As(err, &timeout) && timeout.TimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE:
		return r.end(ctx, runs.StatusFailure, r.timedOutLabel())
	case err != nil:
		return r.end(ctx, runs.StatusFailure, backendFailureLabel(err))
	}
	// Pure: the same checks the update validators run (url.Parse's
	// interning looks non-deterministic to workflowcheck; it is not).
	//workflowcheck:ignore
	if err := temporalResultText(res); err != nil {
		// Stored as it is, it would fail every save of the run.
		return r.end(ctx, runs.StatusFailure, "the worker's result was refused: "+err.Error())
	}
	for _, line := range res.Logs {
		r.s.LogCount++
		r.s.PendingLogs = append(r.s.PendingLogs, runs.LogLine{Seq: r.s.LogCount, Message: line, At: workflow.Now(ctx)})
	}
	r.s.Links = append(r.s.Links, res.Links...)
	if res.Summary != "" {
		r.s.Summary = res.Summary
	}
	if res.Status == backend.StatusFailure {
		return r.end(ctx, runs.StatusFailure, res.Label)
	}
	return r.end(ctx, runs.StatusSuccess, res.Label)
}

// temporalResultText puts a result through the checks every string
// entering Slipway passes (the progress sent live passes them in the
// update validators).
func temporalResultText(res backend.Result) error {
	checks := []error{text.Check("label", text.Description, res.Label), text.Check("summary", text.Description, res.Summary), text.CheckLinks("links", res.Links)}
	for _, line := range res.Logs {
		checks = append(checks, text.Check("logs", text.LogMessage, line))
	}
	for _, err := range checks {
		if err != nil {
			return err // the first says enough
		}
	}
	return nil
}

// waiting says on the run what its call waits for.
func (r *run) waiting(ctx workflow.Context, label string) error {
	r.s.StatusLabel = label
	return r.save(ctx)
}

// awaitCall waits for the call's answer, storing the log lines the
// handler sends meanwhile so the run page shows them live, and (from
// CodeVersion 6) the links and summary it reports: live pages read rows.
func (r *run) awaitCall(ctx workflow.Context, call workflow.Future, res any) error {
	saveReports := r.version(ctx) >= 6
	for {
		if err := workflow.Await(ctx, func() bool {
			return call.IsReady() || len(r.s.PendingLogs) > 0 || (saveReports && r.reportUnsaved)
		}); err != nil {
			return err
		}
		if call.IsReady() {
			return call.Get(ctx, res)
		}
		if err := r.flushLogs(ctx); err != nil {
			return err
		}
		if saveReports {
			if err := r.saveReport(ctx); err != nil {
				return err
			}
		}
	}
}

func (r *run) timedOutLabel() string {
	return "timed out after " + r.in.Action.EffectiveRunTimeout().String()
}
