package telemetry

import (
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// ConfigureClient has the Temporal client (and the workers built on it)
// report the SDK's metrics (temporal_request_total,
// temporal_workflow_completed_total, temporal_activity_execution_latency_seconds...)
// into this process's registry and, with tracing on, trace every workflow
// start, update, workflow and activity as children of the caller's span,
// carried in Temporal headers.
func (t *Telemetry) ConfigureClient(o *client.Options) {
	o.MetricsHandler = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                t.meters.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		// A metric the meter refuses is not worth a crashed worker.
		OnError: func(error) {},
	})
	if !t.tracing {
		return
	}
	tracing, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            t.tracers.Tracer("temporal-sdk-go"),
		TextMapPropagator: Propagator,
		// Queries poll (the portal asks for state): spans of them are noise.
		DisableQueryTracing: true,
	})
	if err != nil { // only when options are invalid, which these are not
		panic(err)
	}
	o.Interceptors = append(o.Interceptors, tracing)
}
