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
)

// TemporalWorkerWait is how long a TEMPORAL call waits for the team's
// worker to pick it up before the run says it is waiting for one (it goes
// on waiting, until the run's timeout). Tests shorten it.
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
		err := r.awaitCall(ctx, workflow.ExecuteActivity(workflow.WithActivityOptions(callCtx, opts), inv.Activity, temporalPayload(r.in)), &res)
		var timeout *temporal.TimeoutError
		switch {
		case r.s.Status.Ended():
			return nil // cancelled meanwhile
		case errors.As(err, &timeout) && timeout.TimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START:
			waitForStart = 0
			r.s.StatusLabel = "waiting for a worker on task queue " + inv.TaskQueue
			if err := r.save(ctx); err != nil {
				return err
			}
			continue
		case errors.As(err, &timeout) && timeout.TimeoutType() == enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE:
			return r.end(ctx, runs.StatusFailure, r.timedOutLabel())
		case err != nil:
			return r.end(ctx, runs.StatusFailure, backendFailureLabel(err))
		case res.Status == backend.StatusFailure:
			return r.end(ctx, runs.StatusFailure, res.Label)
		}
		return r.end(ctx, runs.StatusSuccess, res.Label)
	}
}

// awaitCall waits for the call's answer, storing the log lines the
// handler sends meanwhile so the run page shows them live.
func (r *run) awaitCall(ctx workflow.Context, call workflow.Future, res any) error {
	for {
		if err := workflow.Await(ctx, func() bool { return call.IsReady() || len(r.s.PendingLogs) > 0 }); err != nil {
			return err
		}
		if call.IsReady() {
			return call.Get(ctx, res)
		}
		if err := r.flushLogs(ctx); err != nil {
			return err
		}
	}
}

func (r *run) timedOutLabel() string {
	return "timed out after " + r.in.Action.EffectiveRunTimeout().String()
}

// temporalPayload is Port's trigger data without the run's token: the
// team's worker reports through its own Temporal connection, and the
// payload sits in the history unencrypted.
func temporalPayload(in runs.Input) map[string]any {
	data := runs.TriggerData(in)
	data["run"] = map[string]any{"id": in.RunID}
	return data
}
