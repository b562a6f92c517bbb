//go:build !slipway_lean

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/githubfake"
)

// BenchmarkGitHubWaiting holds up to 1,000 GITHUB runs waiting at once
// for slow GitHub runs on the production topology (`slipway temporal`,
// `slipway web` and one `slipway worker` as separate processes,
// PostgreSQL; the fake GitHub, answering with run details, in this
// process), in two waves of half each, and reads every process's memory,
// the worker's peak (VmHWM) and the worker's goroutines (go_goroutines of
// its /metrics) at rest, with each wave waiting (each GitHub run polled at
// least twice), and after the fake finished them all and every run ended.
// Waiting is a timer in each run's workflow between short poll
// activities: no activity or worker slot is held. What a waiting run
// costs the worker is its place in the worker's cache of workflows (a few
// parked coroutines), which SLIPWAY_WORKFLOW_CACHE bounds: the worker runs
// here with a cache of half the runs, so the second wave shows whether
// anything grows with the number of waiting runs beyond it (it should
// not: "goroutines-worker-growth-second-wave" near 0).
func BenchmarkGitHubWaiting(b *testing.B) {
	// `make bench` asks for 10,000 approval waits; GitHub runs wait 1,000
	// at most, unless SLIPWAY_BENCH_GITHUB_WAITING says otherwise.
	n := benchSize("SLIPWAY_BENCH_GITHUB_WAITING", min(benchSize("SLIPWAY_BENCH_WAITING", 100), 1000))
	const token = "ghp_bench"
	const metricsToken = "bench-metrics-token"
	fake := githubfake.New(b, token)
	fake.RunDetails = true
	fake.AddWorkflow("acme", "api", githubfake.Workflow{File: "deploy.yml", Inputs: []string{"port_context"}, Jobs: []string{"deploy"}})
	// Every process serves /metrics on a port of its own choosing; the
	// worker's is read from its log.
	half := max(1, n/2)
	n = 2 * half
	st := startProcesses(b, 1, "bench-webhook-secret", "SLIPWAY_GITHUB_API_URL="+fake.URL(),
		"SLIPWAY_METRICS_ADDR=127.0.0.1:0", "SLIPWAY_METRICS_TOKEN="+metricsToken,
		fmt.Sprintf("SLIPWAY_WORKFLOW_CACHE=%d", half))
	ctx := context.Background()
	setSecretAt(b, st.webURL, st.token, "GITHUB_TOKEN", token)
	def := `{"action": {"identifier": "bench_github", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"n": {"type": "number"}}}},
	  "invocationMethod": {"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml", "workflowInputs": {"port_context": {"runId": "{{ .run.id }}"}}},
	  "runTimeout": "2h"}}`
	if status, body := postJSON(b, st.webURL+"/slipway.v1.ActionService/CreateAction", st.token, def); status != http.StatusOK {
		b.Fatalf("create action: %d %s", status, body)
	}
	db, err := pgx.Connect(ctx, st.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	workerMetrics := metricsURL(b, st.workers[0])
	api := slipwayv1connect.NewRunServiceClient(benchHTTPClient(), st.webURL)
	measure := func(when string) float64 {
		goroutines := metricValue(b, workerMetrics, metricsToken, "go_goroutines")
		b.ReportMetric(goroutines, "goroutines-worker-"+when)
		measureProcesses(b, st, db).report(b, when)
		b.Logf("%s: worker %.0f goroutines", when, goroutines)
		return goroutines
	}
	for range b.N {
		atRest := measure("at-rest")
		before := len(fake.Runs())
		ghRuns := func() []githubfake.Run { return fake.Runs()[before:] }
		var waiting []float64
		for wave := range 2 {
			started := time.Now()
			parallel(b, half, benchStarters, func(i int) error {
				_, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "bench_github", Properties: mustStruct(b, map[string]any{"n": wave*half + i})}), st.token))
				return err
			})
			want := (wave + 1) * half
			waitUntil(b, 20*time.Minute, "every GitHub run to be polled twice", func() bool {
				all := ghRuns()
				if len(all) < want {
					return false
				}
				for _, r := range all {
					if r.Reads < 2 {
						return false
					}
				}
				return true
			})
			b.Logf("%d runs dispatched and polled twice in %s", half, time.Since(started).Round(time.Millisecond))
			waiting = append(waiting, measure(fmt.Sprintf("%d-waiting", want)))
		}
		// The first wave fills the cache; the second doubles the waiting
		// runs and should add nothing.
		b.ReportMetric((waiting[0]-atRest)/float64(half), "goroutines-worker-per-cached-run")
		b.ReportMetric(waiting[1]-waiting[0], "goroutines-worker-growth-second-wave")
		finished := time.Now()
		for _, r := range ghRuns() {
			fake.Finish(r.ID, "success")
		}
		waitUntil(b, 20*time.Minute, "every run to end", func() bool {
			var open int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM runs WHERE action_identifier = 'bench_github' AND status <> 'SUCCESS'`).Scan(&open); err != nil {
				b.Fatal(err)
			}
			return open == 0
		})
		b.Logf("%d runs ended SUCCESS %s after their GitHub runs finished", n, time.Since(finished).Round(time.Millisecond))
		measure("drained")
	}
}

// metricsURL is where p serves /metrics (SLIPWAY_METRICS_ADDR): the url of
// the last "metrics listening" line of its log, written before its ready
// line.
func metricsURL(tb testing.TB, p *proc) string {
	tb.Helper()
	f, err := os.Open(p.logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var url string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var rec struct{ Msg, URL string }
		if bytes.Contains(sc.Bytes(), []byte("metrics listening")) && json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "metrics listening" {
			url = rec.URL
		}
	}
	if url == "" {
		tb.Fatalf("%s logged no \"metrics listening\" line: %s", p.name, p.tail())
	}
	return url
}

// metricValue reads one unlabelled gauge from a Prometheus text exposition.
func metricValue(tb testing.TB, url, token, name string) float64 {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, body := testkit.Do(tb, nil, req)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	for line := range strings.SplitSeq(body, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				tb.Fatalf("%s: %q: %v", name, line, err)
			}
			return v
		}
	}
	tb.Fatalf("%s serves no %s", url, name)
	return 0
}
