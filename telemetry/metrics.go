package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Metrics are Slipway's own measurements. Every label has few values
// (action identifiers, statuses, outcomes, route patterns), never an id.
// A nil *Metrics records nothing, so tests and tools need none.
type Metrics struct {
	runsStarted  metric.Int64Counter
	runsEnded    metric.Int64Counter
	runDuration  metric.Float64Histogram
	backendCalls metric.Float64Histogram
	backendFails metric.Int64Counter
	httpRequests metric.Int64Counter
	httpDuration metric.Float64Histogram
}

// The names as Prometheus shows them (the exporter adds _total and _seconds).
const (
	// ApprovalWaitMetric is recorded by the run workflow through the SDK's
	// replay-aware metrics handler (a timer, so: slipway_approval_wait_seconds).
	ApprovalWaitMetric = "slipway_approval_wait"
)

func newMetrics(m metric.Meter) (*Metrics, error) {
	var x Metrics
	var errs [7]error
	x.runsStarted, errs[0] = m.Int64Counter("slipway_runs_started", metric.WithDescription("Runs whose workflow started, by action and first status."))
	x.runsEnded, errs[1] = m.Int64Counter("slipway_runs_ended", metric.WithDescription("Runs whose row first recorded a final status, by action and status."))
	x.runDuration, errs[2] = m.Float64Histogram("slipway_run_duration", metric.WithUnit("s"), metric.WithDescription("From a run's start to its end, by action and final status."))
	x.backendCalls, errs[3] = m.Float64Histogram("slipway_backend_call_duration", metric.WithUnit("s"), metric.WithDescription("Each attempt of a backend call, by action and outcome (ok, rejected, failed)."))
	x.backendFails, errs[4] = m.Int64Counter("slipway_backend_call_errors", metric.WithDescription("Failed attempts of backend calls, by action and outcome (rejected: 4xx or refused, not retried; failed: retried)."))
	x.httpRequests, errs[5] = m.Int64Counter("slipway_http_requests", metric.WithDescription("HTTP requests by route pattern, method and status code."))
	x.httpDuration, errs[6] = m.Float64Histogram("slipway_http_request_duration", metric.WithUnit("s"), metric.WithDescription("HTTP request durations by route pattern and method."))
	return &x, errors.Join(errs[:]...)
}

// RunStarted counts a run whose workflow this process started.
func (m *Metrics) RunStarted(ctx context.Context, action, status string) {
	if m == nil {
		return
	}
	m.runsStarted.Add(ctx, 1, metric.WithAttributes(attribute.String("action", action), attribute.String("status", status)))
}

// RunEnded counts a run's end and how long it took.
func (m *Metrics) RunEnded(ctx context.Context, action, status string, took time.Duration) {
	if m == nil {
		return
	}
	attrs := metric.WithAttributes(attribute.String("action", action), attribute.String("status", status))
	m.runsEnded.Add(ctx, 1, attrs)
	m.runDuration.Record(ctx, took.Seconds(), attrs)
}

// Backend call outcomes.
const (
	BackendOK       = "ok"
	BackendRejected = "rejected" // not retried: a 4xx, a refused answer or address
	BackendFailed   = "failed"   // retried: unreachable, 5xx, 429
)

// BackendCall records one attempt of a backend call.
func (m *Metrics) BackendCall(ctx context.Context, action, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	attrs := metric.WithAttributes(attribute.String("action", action), attribute.String("outcome", outcome))
	m.backendCalls.Record(ctx, took.Seconds(), attrs)
	if outcome != BackendOK {
		m.backendFails.Add(ctx, 1, attrs)
	}
}

func (m *Metrics) httpRequest(ctx context.Context, route, method string, code int, took time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.Add(ctx, 1, metric.WithAttributes(attribute.String("route", route), attribute.String("method", method), attribute.Int("code", code)))
	m.httpDuration.Record(ctx, took.Seconds(), metric.WithAttributes(attribute.String("route", route), attribute.String("method", method)))
}
