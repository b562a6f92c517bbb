package telemetry

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func newTest(t *testing.T, spans *tracetest.InMemoryExporter) *Telemetry {
	t.Helper()
	o := Options{Service: "test"}
	if spans != nil {
		o.SpanExporter = spans
	}
	tel, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Close(context.Background()) })
	return tel
}

func get(t *testing.T, h http.Handler, path, token string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestMetricsNeedTheToken(t *testing.T) {
	tel := newTest(t, nil)
	for _, c := range []struct {
		configured, presented string
		want                  int
	}{
		{"", "", http.StatusUnauthorized},
		{"", "anything", http.StatusUnauthorized}, // no token configured: nobody
		{"s3cret", "", http.StatusUnauthorized},
		{"s3cret", "s3cre", http.StatusUnauthorized},
		{"s3cret", "s3cret", http.StatusOK},
	} {
		if got, _ := get(t, tel.MetricsHandler(c.configured), "/metrics", c.presented); got != c.want {
			t.Errorf("token %q presented %q: %d, want %d", c.configured, c.presented, got, c.want)
		}
	}
}

// Requests are counted by the pattern they matched, never by their path.
func TestHTTPMetricsByRoutePattern(t *testing.T) {
	tel := newTest(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /runs/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/slipway.v1.RunService/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/slipway.v1.RunService/GetRun" {
			http.NotFound(w, r)
		}
	})
	h := tel.HTTP(mux)
	for _, p := range []string{"/runs/0b5e3c1a", "/slipway.v1.RunService/GetRun", "/slipway.v1.RunService/Bogus123", "/nowhere/42"} {
		get(t, h, p, "")
	}
	_, body := get(t, tel.MetricsHandler("t"), "/metrics", "t")
	for _, want := range []string{
		`route="/runs/{id}"`, `route="/slipway.v1.RunService/GetRun"`, `route="/slipway.v1.RunService/"`, `route="unmatched"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no slipway_http_requests_total with %s", want)
		}
	}
	for _, leak := range []string{"0b5e3c1a", "Bogus123", "/nowhere/42"} {
		if strings.Contains(body, leak) {
			t.Errorf("a label holds the raw path %q", leak)
		}
	}
}

// With tracing on, a request continues its caller's trace and outgoing
// calls carry it on; with tracing off, nothing is injected.
func TestTraceContinuesThroughHTTP(t *testing.T) {
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	spans := tracetest.NewInMemoryExporter()
	for _, tracing := range []bool{true, false} {
		var tel *Telemetry
		if tracing {
			tel = newTest(t, spans)
		} else {
			tel = newTest(t, nil)
		}
		var out http.Header
		mux := http.NewServeMux()
		mux.HandleFunc("POST /call", func(w http.ResponseWriter, r *http.Request) {
			out = http.Header{}
			InjectTrace(r.Context(), out)
		})
		req := httptest.NewRequest(http.MethodPost, "/call", nil)
		req.Header.Set("traceparent", parent)
		tel.HTTP(mux).ServeHTTP(httptest.NewRecorder(), req)
		got := out.Get("traceparent")
		if !tracing {
			if got != "" {
				t.Errorf("tracing off, yet traceparent %q sent", got)
			}
			continue
		}
		if !strings.HasPrefix(got, "00-4bf92f3577b34da6a3ce929d0e0e4736-") || got == parent {
			t.Errorf("outgoing traceparent %q does not continue the caller's trace in a span of its own", got)
		}
		if s := spans.GetSpans(); len(s) != 1 || s[0].Name != "POST /call" {
			t.Errorf("spans %v, want one named POST /call", s)
		}
	}
}

func TestLogHandlerNamesTheRun(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewTextHandler(&buf, nil)))
	logger.InfoContext(WithRun(context.Background(), Run{ID: "r1", Action: "deploy"}), "called")
	logger.InfoContext(context.Background(), "outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "run=r1 action=deploy") || strings.Contains(lines[1], "run=") {
		t.Errorf("log lines %q", lines)
	}
}
