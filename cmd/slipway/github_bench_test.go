//go:build !slipway_lean

package main

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit/githubfake"
)

// BenchmarkGitHubWaiting holds up to 1,000 GITHUB runs waiting
// at once for slow GitHub runs (the dev stack in this process, the fake
// GitHub answering with run details), and reads the process's goroutines
// and memory at rest, with every run waiting (each GitHub run polled at
// least twice), and after the fake finished them all and every run ended.
// Waiting is a timer in each run's workflow between short poll activities:
// no activity or worker slot is held; what grows is the worker's cache of
// workflows (a few parked coroutines each, bounded by
// SLIPWAY_WORKFLOW_CACHE), and it drains when the runs end.
func BenchmarkGitHubWaiting(b *testing.B) {
	// `make bench` asks for 10,000 approval waits; GitHub runs wait 1,000
	// at most, unless SLIPWAY_BENCH_GITHUB_WAITING says otherwise.
	n := benchSize("SLIPWAY_BENCH_GITHUB_WAITING", min(benchSize("SLIPWAY_BENCH_WAITING", 100), 1000))
	const token = "ghp_bench"
	fake := githubfake.New(b, token)
	fake.RunDetails = true
	fake.AddWorkflow("acme", "api", githubfake.Workflow{File: "deploy.yml", Inputs: []string{"port_context"}, Jobs: []string{"deploy"}})
	dir := b.TempDir()
	s := mustStartDevWith(b, dir, func(c *config.Config) { c.Demo = false; c.GitHub.APIURL = fake.URL() })
	defer s.Close()
	ctx := context.Background()
	if status, body := postJSON(b, s.PortalURL+"/slipway.v1.SecretService/SetSecret", s.Token, `{"name": "GITHUB_TOKEN", "value": "`+token+`"}`); status != http.StatusOK {
		b.Fatalf("set secret: %d %s", status, body)
	}
	def := `{"action": {"identifier": "bench_github", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"n": {"type": "number"}}}},
	  "invocationMethod": {"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml", "workflowInputs": {"port_context": {"runId": "{{ .run.id }}"}}},
	  "runTimeout": "2h"}}`
	if status, body := postJSON(b, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		b.Fatalf("create action: %d %s", status, body)
	}
	api := slipwayv1connect.NewRunServiceClient(benchHTTPClient(), s.PortalURL)
	measure := func(when string) {
		runtime.GC()
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines-"+when)
		measureStack(b, dir).report(b, when)
		b.Logf("%s: %d goroutines", when, runtime.NumGoroutine())
	}
	for range b.N {
		measure("at-rest")
		before := len(fake.Runs())
		started := time.Now()
		parallel(b, n, benchStarters, func(i int) error {
			_, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "bench_github", Properties: mustStruct(b, map[string]any{"n": i})}), s.Token))
			return err
		})
		ghRuns := func() []githubfake.Run { return fake.Runs()[before:] }
		waitUntil(b, 20*time.Minute, "every GitHub run to be polled twice", func() bool {
			all := ghRuns()
			if len(all) < n {
				return false
			}
			for _, r := range all {
				if r.Reads < 2 {
					return false
				}
			}
			return true
		})
		b.Logf("%d runs dispatched and polled twice in %s", n, time.Since(started).Round(time.Millisecond))
		measure("waiting")
		finished := time.Now()
		for _, r := range ghRuns() {
			fake.Finish(r.ID, "success")
		}
		waitUntil(b, 20*time.Minute, "every run to end", func() bool {
			var open int
			if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM runs WHERE action_identifier = 'bench_github' AND status <> 'SUCCESS'`).Scan(&open); err != nil {
				b.Fatal(err)
			}
			return open == 0
		})
		b.Logf("%d runs ended SUCCESS %s after their GitHub runs finished", n, time.Since(finished).Round(time.Millisecond))
		measure("drained")
	}
}
