// Package telemetry is what a Slipway process tells its operators besides
// its logs: Prometheus metrics (its own and the Temporal SDK's) and
// OpenTelemetry traces from the API through the run's workflow to its
// backend call. Metrics are always on and cheap; tracing is off unless an
// OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT), and then a
// no-op tracer is all it costs.
//
// It depends on no other Slipway package, so that activities, workflows,
// selfservice and the frontend may all record into it.
package telemetry

import (
	"context"
	"errors"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Options configure a process's telemetry.
type Options struct {
	// Service names the process in traces (service.name); OTEL_SERVICE_NAME
	// overrides it.
	Service string
	// SpanExporter receives the process's spans (tests pass an in-memory
	// one). nil exports OTLP over gRPC when OTEL_EXPORTER_OTLP_ENDPOINT or
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, and traces nothing otherwise.
	SpanExporter sdktrace.SpanExporter
}

// Telemetry is one process's metrics registry and tracer.
type Telemetry struct {
	// Metrics records Slipway's own measurements.
	Metrics  *Metrics
	registry *prometheus.Registry
	meters   *sdkmetric.MeterProvider
	tracers  trace.TracerProvider
	// tracing is false when spans go nowhere: nothing is wired then.
	tracing bool
	closers []func(context.Context) error
}

// Propagator writes and reads W3C trace context (traceparent, tracestate).
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// New sets up a process's telemetry. Close flushes what is pending.
func New(ctx context.Context, o Options) (*Telemetry, error) {
	t := &Telemetry{registry: prometheus.NewRegistry(), tracers: noop.NewTracerProvider()}
	t.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(t.registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, err
	}
	t.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithView(secondsBuckets))
	t.closers = append(t.closers, t.meters.Shutdown)
	if t.Metrics, err = newMetrics(t.meters.Meter("slipway")); err != nil {
		return nil, err
	}

	spans := o.SpanExporter
	batch := true
	if spans == nil && otlpConfigured() {
		if spans, err = otlptracegrpc.New(ctx); err != nil {
			return nil, err
		}
	} else {
		batch = false // a test's exporter sees each span as it ends
	}
	if spans != nil {
		res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", o.Service)), resource.WithFromEnv())
		if err != nil {
			return nil, err
		}
		export := sdktrace.WithSyncer(spans)
		if batch {
			export = sdktrace.WithBatcher(spans)
		}
		tp := sdktrace.NewTracerProvider(export, sdktrace.WithResource(res))
		t.tracers, t.tracing = tp, true
		t.closers = append(t.closers, tp.Shutdown)
	}
	return t, nil
}

// Tracing says whether spans are exported anywhere.
func (t *Telemetry) Tracing() bool { return t.tracing }

// Tracer is the process's tracer (a no-op one when tracing is off).
func (t *Telemetry) Tracer() trace.Tracer { return t.tracers.Tracer("github.com/slipwayhq/slipway") }

// Close flushes pending spans and stops the meters.
func (t *Telemetry) Close(ctx context.Context) error {
	var errs []error
	for i := len(t.closers) - 1; i >= 0; i-- {
		errs = append(errs, t.closers[i](ctx))
	}
	return errors.Join(errs...)
}

func otlpConfigured() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// secondsBuckets gives every histogram in seconds (Slipway's and the
// SDK's timers) buckets from 5 ms to a day: backend calls take
// milliseconds, approvals hours.
var secondsBuckets = sdkmetric.NewView(
	sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
	sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{
		Boundaries: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400},
	}},
)
