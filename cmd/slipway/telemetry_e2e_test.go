//go:build !slipway_lean

package main

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/runs"
)

// One real run through the whole stack, then what an operator sees of it:
// the run's counters and the Temporal SDK's metrics at /metrics, and one
// trace from the API call to the backend's request.
func TestTelemetryOfARun(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	var mu sync.Mutex
	var traceparents []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("traceparent"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"statusLabel": "done"}`))
	}))
	defer backend.Close()
	s := mustStartDevWith(t, t.TempDir(), func(c *config.Config) { c.Demo = false }, withSpanExporter(spans))
	defer s.Close()

	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, fmt.Sprintf(`{"action": {"identifier": "traced",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	ctx := context.Background()
	runAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	started, err := runAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "traced"}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	runID := started.Msg.GetRun().GetId()
	waitUntil(t, 20*time.Second, "the run to end", func() bool {
		got, err := runAPI.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: runID}), s.Token))
		return err == nil && got.Msg.GetRun().GetEndedAt() != nil
	})

	t.Run("metrics", func(t *testing.T) {
		// Only the metrics token opens /metrics: no session, not even an admin's API token.
		for who, token := range map[string]string{"anonymous": "", "admin API token": s.Token, "wrong token": "not-the-token"} {
			if status, _ := scrape(t, s.PortalURL, token); status != http.StatusUnauthorized {
				t.Errorf("%s: /metrics answered %d, want 401", who, status)
			}
		}
		if s.MetricsToken == "" {
			t.Fatal("dev stack has no metrics token")
		}
		var body string
		// The worker records the run's end after the row says so; the
		// counter may lag the API by a moment.
		waitUntil(t, 10*time.Second, "the run's end in /metrics", func() bool {
			var status int
			status, body = scrape(t, s.PortalURL, s.MetricsToken)
			return status == http.StatusOK && hasSample(body, "slipway_runs_ended_total", `action="traced"`, `status="SUCCESS"`)
		})
		for _, want := range []struct {
			name   string
			labels []string
		}{
			{"slipway_runs_started_total", []string{`action="traced"`, `status="IN_PROGRESS"`}},
			{"slipway_run_duration_seconds_count", []string{`action="traced"`, `status="SUCCESS"`}},
			{"slipway_backend_call_duration_seconds_count", []string{`action="traced"`, `outcome="ok"`}},
			{"slipway_http_requests_total", []string{`route="/slipway.v1.RunService/ExecuteAction"`, `method="POST"`, `code="200"`}},
			{"slipway_http_request_duration_seconds_count", []string{`route="/slipway.v1.RunService/GetRun"`}},
			// The Temporal SDK's own worker and client metrics.
			{"temporal_workflow_completed_total", []string{`workflow_type="` + runs.WorkflowName + `"`}},
			{"temporal_activity_execution_latency_seconds_count", []string{`activity_type="CallWebhook"`}},
			{"temporal_request_total", nil},
		} {
			if !hasSample(body, want.name, want.labels...) {
				t.Errorf("/metrics has no %s%v", want.name, want.labels)
			}
		}
		// Paths with ids never become labels: one series per route pattern.
		if strings.Contains(body, runID) {
			t.Error("/metrics names the run's id")
		}
	})

	t.Run("one trace from ExecuteAction to the backend", func(t *testing.T) {
		mu.Lock()
		got := append([]string(nil), traceparents...)
		mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("backend called %d times: %q", len(got), got)
		}
		parts := strings.Split(got[0], "-")
		if len(parts) != 4 || parts[0] != "00" || len(parts[1]) != 32 {
			t.Fatalf("backend got traceparent %q, want a W3C one", got[0])
		}
		backendTrace := parts[1]
		var apiTrace string
		waitUntil(t, 10*time.Second, "the ExecuteAction span", func() bool {
			for _, sp := range spans.GetSpans() {
				if sp.Name == "POST /slipway.v1.RunService/ExecuteAction" {
					apiTrace = sp.SpanContext.TraceID().String()
					return true
				}
			}
			return false
		})
		if apiTrace != backendTrace {
			t.Errorf("the backend's trace %s is not the API call's %s", backendTrace, apiTrace)
		}
		// The trace runs through the workflow and its activity.
		want := []string{"StartWorkflow:" + runs.WorkflowName, "RunWorkflow:" + runs.WorkflowName, "RunActivity:CallWebhook"}
		names := map[string]bool{}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			for _, sp := range spans.GetSpans() {
				if sp.SpanContext.TraceID().String() == apiTrace {
					names[sp.Name] = true
				}
			}
			if names[want[0]] && names[want[1]] && names[want[2]] {
				return
			}
		}
		t.Errorf("the API call's trace has spans %v, want %v among them", slices.Sorted(maps.Keys(names)), want)
	})
}

// scrape reads /metrics with token as a bearer token.
func scrape(t *testing.T, base, token string) (int, string) {
	t.Helper()
	return sendJSON(t, http.MethodGet, base+"/metrics", token, "")
}

// hasSample says whether the exposition text has a sample of name whose
// labels include every one given.
func hasSample(body, name string, labels ...string) bool {
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
lines:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue lines
			}
		}
		return true
	}
	return false
}
