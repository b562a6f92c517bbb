//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

const (
	benchRuns        = 200
	benchConcurrency = 16
)

// BenchmarkRunsEndToEnd runs actions end to end on the embedded stack (no
// approval, synchronous webhook to a local receiver) beside a bare
// one-activity workflow on the same server, and reports both rates, their
// ratio and the latency from ExecuteAction to the backend getting the payload.
func BenchmarkRunsEndToEnd(b *testing.B) {
	s := mustStartDevTB(b, b.TempDir())
	defer s.Close()
	ctx := context.Background()

	var mu sync.Mutex
	arrived := map[string]time.Time{}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			Run struct{ ID string } `json:"run"`
		}
		_ = json.Unmarshal(body, &p)
		mu.Lock()
		arrived[p.Run.ID] = time.Now()
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer backend.Close()
	def := fmt.Sprintf(`{"action": {"identifier": "bench", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"n": {"type": "number"}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)
	if status, body := postJSON(b, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		b.Fatalf("create action: %d %s", status, body)
	}
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)

	w := sdkworker.New(s.Client, "bench-bare", sdkworker.Options{})
	w.RegisterWorkflowWithOptions(bareWorkflow, workflow.RegisterOptions{Name: "bench-bare"})
	w.RegisterActivity(bareActivity)
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()

	for range b.N {
		// Slipway runs: ExecuteAction until every run has ended.
		started := map[string]time.Time{}
		var startMu sync.Mutex
		t0 := time.Now()
		parallel(b, benchRuns, benchConcurrency, func(i int) error {
			begin := time.Now()
			resp, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "bench", Properties: mustStruct(b, map[string]any{"n": i})}), s.Token))
			if err != nil {
				return err
			}
			startMu.Lock()
			started[resp.Msg.GetRun().GetId()] = begin
			startMu.Unlock()
			return nil
		})
		waitUntil(b, 5*time.Minute, "every run to end", func() bool {
			var open int
			_ = s.store().Pool.QueryRow(ctx, "SELECT count(*) FROM runs WHERE action_identifier = 'bench' AND ended_at IS NULL").Scan(&open)
			return open == 0
		})
		runsElapsed := time.Since(t0)

		// Bare one-activity workflows, same concurrency, same server.
		t1 := time.Now()
		parallel(b, benchRuns, benchConcurrency, func(i int) error {
			run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: "bench-bare"}, "bench-bare", i)
			if err != nil {
				return err
			}
			return run.Get(ctx, nil)
		})
		bareElapsed := time.Since(t1)

		mu.Lock()
		var lat []time.Duration
		for id, begin := range started {
			if at, ok := arrived[id]; ok {
				lat = append(lat, at.Sub(begin))
			}
		}
		mu.Unlock()
		if len(lat) != benchRuns {
			b.Fatalf("%d of %d payloads arrived", len(lat), benchRuns)
		}
		slices.Sort(lat)
		runsPerSec := float64(benchRuns) / runsElapsed.Seconds()
		barePerSec := float64(benchRuns) / bareElapsed.Seconds()
		b.ReportMetric(runsPerSec, "runs/s")
		b.ReportMetric(barePerSec, "bare-wf/s")
		b.ReportMetric(runsPerSec/barePerSec, "ratio")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		_, _ = s.store().Pool.Exec(ctx, "DELETE FROM runs WHERE action_identifier = 'bench'")
	}
}

func bareWorkflow(ctx workflow.Context, n int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, bareActivity, n).Get(ctx, nil)
}

func bareActivity(context.Context, int) error { return nil }

func parallel(tb testing.TB, n, workers int, fn func(i int) error) {
	tb.Helper()
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := fn(i); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}
