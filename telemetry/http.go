package telemetry

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTP measures every request next serves, by the route pattern the
// ServeMux matched (never the raw path, which holds ids), and, with
// tracing on, serves it in a server span that continues the caller's
// traceparent. next must be (or end in) the http.ServeMux that sets
// Request.Pattern.
func (t *Telemetry) HTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var span trace.Span
		if t.tracing {
			ctx := Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span = t.Tracer().Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
			r = r.WithContext(ctx)
		}
		rec := NewStatusRecorder(w)
		next.ServeHTTP(rec, r)
		route := routeOf(r, rec.Status)
		t.Metrics.httpRequest(r.Context(), route, r.Method, rec.Status, time.Since(start))
		if span != nil {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", rec.Status))
			if rec.Status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(rec.Status))
			}
			span.End()
		}
	})
}

// routeOf is the request's route label: the pattern it matched, with the
// method dropped (a label of its own), or for a Connect service (whose
// pattern is its path prefix) the procedure, of which there are few:
// an unknown one answers 404 and keeps the prefix.
func routeOf(r *http.Request, status int) string {
	pattern := r.Pattern
	if pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	if strings.HasPrefix(pattern, "/slipway.v1.") && strings.HasSuffix(pattern, "/") && status != http.StatusNotFound {
		return r.URL.Path
	}
	return pattern
}

// StatusRecorder remembers the status code a handler answered with.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// NewStatusRecorder records w's status, 200 unless the handler sets one.
func NewStatusRecorder(w http.ResponseWriter) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
}

func (r *StatusRecorder) WriteHeader(code int) {
	r.Status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *StatusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through: Connect's server streams and live pages need them.
func (r *StatusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// MetricsHandler serves the registry in Prometheus' text format to
// callers that present token as a bearer token, and 401 to anyone else:
// metrics name actions and show load, which is not for every user. An
// empty token refuses everyone (the route then serves nothing).
func (t *Telemetry) MetricsHandler(token string) http.Handler {
	serve := promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token == "" || !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the metrics token (SLIPWAY_METRICS_TOKEN)", http.StatusUnauthorized)
			return
		}
		serve.ServeHTTP(w, r)
	})
}

// OpenMetricsHandler serves the registry to anyone: for a listener of its
// own (SLIPWAY_METRICS_ADDR) that the operator keeps on a private network.
func (t *Telemetry) OpenMetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{})
}

// InjectTrace sets the W3C traceparent (and tracestate) header of an
// outgoing request to ctx's span, so that a backend or a notification
// receiver continues the run's trace. Without a span it sets nothing.
func InjectTrace(ctx context.Context, h http.Header) {
	Propagator.Inject(ctx, propagation.HeaderCarrier(h))
}
