package worker

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/telemetry"
)

// runHeader carries the run (id and action) from a run's workflow to its
// activities, in the Temporal header of each activity it schedules
// (headers are not part of what a replay compares).
const runHeader = "slipway-run"

// observeRuns is a worker interceptor that tells logs and metrics which
// run a workflow task or an activity serves: the run workflow's logger
// and its activities' loggers and contexts carry run and action, and each
// attempt of a backend call is measured by action.
type observeRuns struct {
	interceptor.WorkerInterceptorBase
	metrics *telemetry.Metrics
	// headers encodes the run header as every other payload is (encrypted,
	// when the worker has the keys): the header travels in the history.
	headers converter.DataConverter
}

// newObserveRuns observes with metrics; keys, when set, encrypt the header.
func newObserveRuns(metrics *telemetry.Metrics, keys *secrets.Keyring) *observeRuns {
	headers := converter.GetDefaultDataConverter()
	if keys != nil {
		headers = converter.NewCodecDataConverter(headers, secrets.Codec{Keys: keys})
	}
	return &observeRuns{metrics: metrics, headers: headers}
}

func (o *observeRuns) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	w := &runWorkflowInbound{headers: o.headers}
	w.Next = next
	return w
}

func (o *observeRuns) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &runActivityInbound{metrics: o.metrics, headers: o.headers}
	a.Next = next
	return a
}

type runWorkflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	headers converter.DataConverter
}

func (w *runWorkflowInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	o := &runWorkflowOutbound{headers: w.headers}
	o.Next = outbound
	return w.Next.Init(o)
}

type runWorkflowOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	headers converter.DataConverter
}

// runOf is the run a run workflow serves; ok is false for other workflows.
// The action is the search attribute its starter set.
func (o *runWorkflowOutbound) runOf(ctx workflow.Context) (telemetry.Run, bool) {
	info := o.Next.GetInfo(ctx)
	if info.WorkflowType.Name != runs.WorkflowName {
		return telemetry.Run{}, false
	}
	action, _ := o.Next.GetTypedSearchAttributes(ctx).GetKeyword(runs.SearchAction)
	return telemetry.Run{ID: strings.TrimPrefix(info.WorkflowExecution.ID, runs.WorkflowID("")), Action: action}, true
}

func (o *runWorkflowOutbound) GetLogger(ctx workflow.Context) log.Logger {
	logger := o.Next.GetLogger(ctx)
	if run, ok := o.runOf(ctx); ok {
		return log.With(logger, run.Attrs()...)
	}
	return logger
}

func (o *runWorkflowOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.writeRun(ctx)
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}

func (o *runWorkflowOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.writeRun(ctx)
	return o.Next.ExecuteLocalActivity(ctx, activityType, args...)
}

func (o *runWorkflowOutbound) writeRun(ctx workflow.Context) {
	run, ok := o.runOf(ctx)
	if !ok {
		return
	}
	if p, err := o.headers.ToPayload(run); err == nil {
		interceptor.WorkflowHeader(ctx)[runHeader] = p
	}
}

type runActivityInbound struct {
	interceptor.ActivityInboundInterceptorBase
	metrics *telemetry.Metrics
	headers converter.DataConverter
	run     telemetry.Run
	ok      bool
}

func (a *runActivityInbound) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	o := &runActivityOutbound{inbound: a}
	o.Next = outbound
	return a.Next.Init(o)
}

func (a *runActivityInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if p, found := interceptor.Header(ctx)[runHeader]; found {
		a.ok = a.headers.FromPayload(p, &a.run) == nil
	}
	if !a.ok {
		return a.Next.ExecuteActivity(ctx, in)
	}
	ctx = telemetry.WithRun(ctx, a.run)
	if activity.GetInfo(ctx).ActivityType.Name != backendCall {
		return a.Next.ExecuteActivity(ctx, in)
	}
	start := time.Now()
	res, err := a.Next.ExecuteActivity(ctx, in)
	a.metrics.BackendCall(ctx, a.run.Action, backendOutcome(err), time.Since(start))
	return res, err
}

// backendCall is the activity that calls a run's backend.
const backendCall = "CallWebhook"

// backendOutcome classes an attempt as its retry policy does.
func backendOutcome(err error) string {
	var app *temporal.ApplicationError
	switch {
	case err == nil:
		return telemetry.BackendOK
	case errors.As(err, &app) && app.NonRetryable():
		return telemetry.BackendRejected
	default:
		return telemetry.BackendFailed
	}
}

type runActivityOutbound struct {
	interceptor.ActivityOutboundInterceptorBase
	inbound *runActivityInbound
}

func (o *runActivityOutbound) GetLogger(ctx context.Context) log.Logger {
	logger := o.Next.GetLogger(ctx)
	if o.inbound.ok {
		return log.With(logger, o.inbound.run.Attrs()...)
	}
	return logger
}
