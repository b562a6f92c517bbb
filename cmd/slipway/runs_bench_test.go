//go:build !slipway_lean

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/outbound"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/temporalclient"
	"github.com/slipwayhq/slipway/worker"
)

// Both sides of every comparison below do the same job on the same server:
// benchStarters goroutines start jobs, every job's workflow calls an HTTP
// receiver once from an activity and closes, and both sides are timed to
// the close of their last workflow. A Slipway run adds what it is for: the
// API (auth, validation, the run row, the audit trail), approval, the run
// token and signature, the row's final state and the in-app notice.
const benchStarters = 16

// benchSize reads a job count from the environment: `make test` runs the
// benchmarks once with small counts, `make bench` with the real ones.
func benchSize(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkRunsEndToEnd compares Slipway runs (no approval, synchronous
// webhook) with bare one-activity workflows, twice: a steady load (each
// starter starts a job and waits for its workflow to close, then the next)
// for the rate, and a burst (every job started at once by the same
// starters, then all awaited) for the latency from the start call to the
// receiver getting the payload. SLIPWAY_BENCH_RUNS jobs per side and
// phase, measured in halves (see abba).
func BenchmarkRunsEndToEnd(b *testing.B) {
	n := benchSize("SLIPWAY_BENCH_RUNS", 200)
	s := mustStartDevTB(b, b.TempDir())
	defer s.Close()
	ctx := context.Background()
	rc := newBenchReceiver(b)
	def := fmt.Sprintf(`{"action": {"identifier": "bench", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"n": {"type": "number"}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, rc.srv.URL)
	if status, body := postJSON(b, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		b.Fatalf("create action: %d %s", status, body)
	}
	api := slipwayv1connect.NewRunServiceClient(benchHTTPClient(), s.PortalURL)
	_, stopBare := startBareWorker(b, s.Client)
	defer stopBare()
	cpu := func() stackCPU { return readStackCPU(b, s.DataDir) }

	run := func(i int) (string, func() error, error) {
		resp, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "bench", Properties: mustStruct(b, map[string]any{"n": i})}), s.Token))
		if err != nil {
			return "", nil, err
		}
		id := resp.Msg.GetRun().GetId()
		return id, func() error { return s.Client.GetWorkflow(ctx, runs.WorkflowID(id), "").Get(ctx, nil) }, nil
	}
	var round atomic.Int64
	bare := func(i int) (string, func() error, error) {
		id := fmt.Sprintf("bare-%d-%d", round.Load(), i)
		if _, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: bareQueue}, bareWorkflowName, bareJob{ID: id, URL: rc.srv.URL, N: i}); err != nil {
			return "", nil, err
		}
		// Awaited by id, as runs are (the API does not answer with
		// Temporal's run id): both sides pay the lookup of the run id.
		return id, func() error { return s.Client.GetWorkflow(ctx, id, "").Get(ctx, nil) }, nil
	}

	for range b.N {
		// A few of each first, so neither side pays for cold caches.
		round.Add(1)
		benchPhase(b, cpu, rc, benchStarters, false, run)
		benchPhase(b, cpu, rc, benchStarters, false, bare)

		steady, bareSteady := abba(b, cpu, rc, n, false, &round, run, bare)
		burst, bareBurst := abba(b, cpu, rc, n, true, &round, run, bare)

		b.ReportMetric(steady.rate(), "runs/s")
		b.ReportMetric(bareSteady.rate(), "bare-wf/s")
		b.ReportMetric(steady.rate()/bareSteady.rate(), "ratio")
		reportCPU(b, "run", steady)
		reportCPU(b, "bare", bareSteady)
		b.ReportMetric(ms(burst.percentile(50)), "p50-ms")
		b.ReportMetric(ms(burst.percentile(99)), "p99-ms")
		b.ReportMetric(ms(bareBurst.percentile(50)), "bare-p50-ms")
		b.ReportMetric(ms(bareBurst.percentile(99)), "bare-p99-ms")
		b.ReportMetric(ms(burst.percentile(99))/ms(bareBurst.percentile(99)), "p99-ratio")
		measureStack(b, s.DataDir).report(b, fmt.Sprintf("after-%d-runs", 4*max(1, n/2)+benchStarters))
		b.Logf("steady %d jobs: runs %.1f/s, bare %.1f/s (ratio %.2f); burst execute->backend p50/p99: runs %.0f/%.0f ms, bare %.0f/%.0f ms",
			n, steady.rate(), bareSteady.rate(), steady.rate()/bareSteady.rate(),
			ms(burst.percentile(50)), ms(burst.percentile(99)), ms(bareBurst.percentile(50)), ms(bareBurst.percentile(99)))
	}
}

// BenchmarkApprovalBacklog holds SLIPWAY_BENCH_WAITING runs waiting for
// approval at once on the production topology (`slipway temporal`, `slipway
// web` and one `slipway worker` as separate processes, PostgreSQL), reads
// each process's memory, then approves them all (each starter approves a
// run and waits for its workflow to close) and compares the drain with bare
// workflows, polled by this process on the same Temporal server, that wait
// for an update and then call the receiver, drained the same way.
func BenchmarkApprovalBacklog(b *testing.B) {
	n := benchSize("SLIPWAY_BENCH_WAITING", 100)
	st := startProcesses(b, 1, "bench-webhook-secret")
	ctx := context.Background()
	rc := newBenchReceiver(b)
	def := fmt.Sprintf(`{"action": {"identifier": "bench_approval", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"n": {"type": "number"}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true},
	  "requiredApproval": true, "approvers": {"users": ["ops@example.com"]}, "allowSelfApproval": true}}`, rc.srv.URL)
	if status, body := postJSON(b, st.webURL+"/slipway.v1.ActionService/CreateAction", st.token, def); status != http.StatusOK {
		b.Fatalf("create action: %d %s", status, body)
	}
	c, err := temporalclient.Dial(ctx, st.tempAddr, "default", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	db, err := pgx.Connect(ctx, st.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	api := slipwayv1connect.NewRunServiceClient(benchHTTPClient(), st.webURL)
	// The bare side's worker keeps as many workflows in memory as
	// Slipway's worker does by default.
	worker.SetCacheSize(config.DefaultWorkflowCache)
	settled, stopBare := startBareWorker(b, c)
	defer stopBare()
	cpu := func() stackCPU { return readProcessesCPU(b, st, db) }

	for round := range b.N {
		measureProcesses(b, st, db).report(b, "at-rest")
		ids := make([]string, n)
		parallel(b, n, benchStarters, func(i int) error {
			resp, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "bench_approval", Properties: mustStruct(b, map[string]any{"n": i})}), st.token))
			if err == nil {
				ids[i] = resp.Msg.GetRun().GetId()
			}
			return err
		})
		// Every run has told its approver (an in-app notice, written in the
		// workflow's first task): all of them are waiting in the worker.
		waitUntil(b, 20*time.Minute, "every run to wait for approval", func() bool {
			var told int
			_ = db.QueryRow(ctx, `SELECT count(*) FROM notifications n JOIN runs r ON r.id = n.run_id
				WHERE r.action_identifier = 'bench_approval' AND r.ended_at IS NULL AND n.event = 'waiting/0'`).Scan(&told)
			return told == n
		})
		measureProcesses(b, st, db).report(b, fmt.Sprintf("%d-waiting", n))
		runs := benchPhase(b, cpu, rc, n, false, func(i int) (string, func() error, error) {
			if _, err := api.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: ids[i]}), st.token)); err != nil {
				return "", nil, err
			}
			return ids[i], func() error { return c.GetWorkflow(ctx, runs.WorkflowID(ids[i]), "").Get(ctx, nil) }, nil
		})

		bareIDs := make([]string, n)
		settled.Store(0)
		parallel(b, n, benchStarters, func(i int) error {
			bareIDs[i] = fmt.Sprintf("bare-approval-%d-%d", round, i)
			_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: bareIDs[i], TaskQueue: bareQueue},
				bareApprovalWorkflowName, bareJob{ID: bareIDs[i], URL: rc.srv.URL, N: i})
			return err
		})
		waitUntil(b, 20*time.Minute, "every bare workflow to wait for its update", func() bool { return settled.Load() == int64(n) })
		bare := benchPhase(b, cpu, rc, n, false, func(i int) (string, func() error, error) {
			h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
				WorkflowID: bareIDs[i], UpdateName: bareApprove, WaitForStage: client.WorkflowUpdateStageCompleted,
			})
			if err == nil {
				err = h.Get(ctx, nil)
			}
			if err != nil {
				return "", nil, err
			}
			return bareIDs[i], func() error { return c.GetWorkflow(ctx, bareIDs[i], "").Get(ctx, nil) }, nil
		})
		b.ReportMetric(float64(n), "runs-waiting")
		b.ReportMetric(runs.rate(), "drained-runs/s")
		b.ReportMetric(bare.rate(), "drained-bare-wf/s")
		b.ReportMetric(runs.rate()/bare.rate(), "drain-ratio")
		reportCPU(b, "drained-run", runs)
		reportCPU(b, "drained-bare", bare)
		measureProcesses(b, st, db).report(b, "drained")
		b.Logf("%d approvals drained: runs %.1f/s, bare %.1f/s (ratio %.2f)", n, runs.rate(), bare.rate(), runs.rate()/bare.rate())
	}
}

// benchPhase runs n jobs on benchStarters goroutines. start begins job i
// and returns its key (the id its payload carries) and a wait for its
// workflow's close. Steady (burst false): each starter waits for its job's
// close before the next start. Burst: every job is started first, then
// all are awaited. Timed from the first start to the last close.
func benchPhase(tb testing.TB, cpu func() stackCPU, rc *benchReceiver, n int, burst bool, start func(i int) (string, func() error, error)) phaseResult {
	tb.Helper()
	began := make([]time.Time, n)
	keys := make([]string, n)
	waits := make([]func() error, n)
	cpu0 := cpu()
	t0 := time.Now()
	parallel(tb, n, benchStarters, func(i int) error {
		began[i] = time.Now()
		key, wait, err := start(i)
		if err != nil {
			return err
		}
		keys[i], waits[i] = key, wait
		if burst {
			return nil
		}
		return wait()
	})
	if burst {
		parallel(tb, n, benchStarters, func(i int) error { return waits[i]() })
	}
	res := phaseResult{n: n, elapsed: time.Since(t0), cpu: cpu().sub(cpu0)}
	for i, key := range keys {
		at, ok := rc.arrival(key)
		if !ok {
			tb.Fatalf("job %s closed but its payload never arrived", key)
		}
		res.latencies = append(res.latencies, at.Sub(began[i]))
	}
	slices.Sort(res.latencies)
	return res
}

// abba measures n jobs of each side in halves ordered run, bare, bare,
// run, so that load from outside the benchmark (a shared machine) that
// drifts during the measurement weighs on both sides alike.
func abba(tb testing.TB, cpu func() stackCPU, rc *benchReceiver, n int, burst bool, round *atomic.Int64, run, bare func(i int) (string, func() error, error)) (phaseResult, phaseResult) {
	half := max(1, n/2)
	var runs, bares phaseResult
	for _, side := range []bool{true, false, false, true} {
		round.Add(1)
		if side {
			runs = runs.add(benchPhase(tb, cpu, rc, half, burst, run))
		} else {
			bares = bares.add(benchPhase(tb, cpu, rc, half, burst, bare))
		}
	}
	slices.Sort(runs.latencies)
	slices.Sort(bares.latencies)
	return runs, bares
}

type phaseResult struct {
	n         int
	elapsed   time.Duration
	latencies []time.Duration // start call to payload arrival, sorted
	cpu       stackCPU        // the stack's processor time over the phase
}

func (p phaseResult) add(q phaseResult) phaseResult {
	return phaseResult{n: p.n + q.n, elapsed: p.elapsed + q.elapsed, latencies: append(p.latencies, q.latencies...), cpu: p.cpu.add(q.cpu)}
}

func (p phaseResult) rate() float64 { return float64(p.n) / p.elapsed.Seconds() }

func (p phaseResult) percentile(q int) time.Duration {
	return p.latencies[min(len(p.latencies)-1, len(p.latencies)*q/100)]
}

// cpuPerJob is the stack's processor time per job, in milliseconds.
func (p phaseResult) cpuPerJob() (slipway, postgres float64) {
	return ms(p.cpu.Slipway) / float64(p.n), ms(p.cpu.Postgres) / float64(p.n)
}

// reportCPU names each side's processor time per job: the comparison a
// busy machine does not skew, as it skews rates.
func reportCPU(b *testing.B, side string, p phaseResult) {
	sw, pg := p.cpuPerJob()
	b.ReportMetric(sw, "cpu-ms-slipway/"+side)
	b.ReportMetric(pg, "cpu-ms-postgres/"+side)
	b.ReportMetric(sw+pg, "cpu-ms-total/"+side)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchHTTPClient keeps a connection per starter, as a real client pool
// would; http.DefaultClient keeps two and would measure TCP set-up instead.
func benchHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4 * benchStarters
	return &http.Client{Transport: t}
}

// benchReceiver is the HTTP backend of both sides: it notes when each
// payload arrived, by the run id in it (Port's payload shape; bare jobs
// send the same field).
type benchReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string]time.Time
}

func newBenchReceiver(tb testing.TB) *benchReceiver {
	rc := &benchReceiver{got: map[string]time.Time{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			Run struct {
				ID string `json:"id"`
			} `json:"run"`
		}
		_ = json.Unmarshal(body, &p)
		rc.mu.Lock()
		if _, seen := rc.got[p.Run.ID]; !seen {
			rc.got[p.Run.ID] = time.Now()
		}
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	tb.Cleanup(rc.srv.Close)
	return rc
}

func (rc *benchReceiver) arrival(key string) (time.Time, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	at, ok := rc.got[key]
	return at, ok
}

// The bare side: workflows with one activity that posts a payload to the
// receiver through the same outbound client Slipway's worker uses.
const (
	bareQueue                = "bench-bare"
	bareWorkflowName         = "bench-bare"
	bareApprovalWorkflowName = "bench-bare-approval"
	bareApprove              = "approve"
)

type bareJob struct {
	ID  string
	URL string
	N   int
}

type bareActivities struct {
	http    *http.Client
	settled *atomic.Int64
}

func (a *bareActivities) Post(ctx context.Context, job bareJob) error {
	body, _ := json.Marshal(map[string]any{"run": map[string]any{"id": job.ID}, "inputs": map[string]any{"n": job.N}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
	return nil
}

// Settled counts bare approval workflows that have run their first task.
func (a *bareActivities) Settled(context.Context) error {
	a.settled.Add(1)
	return nil
}

func bareWorkflow(ctx workflow.Context, job bareJob) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	var a *bareActivities
	return workflow.ExecuteActivity(ctx, a.Post, job).Get(ctx, nil)
}

// bareApprovalWorkflow waits for one update, then posts like bareWorkflow.
func bareApprovalWorkflow(ctx workflow.Context, job bareJob) error {
	approved := false
	if err := workflow.SetUpdateHandler(ctx, bareApprove, func(workflow.Context) error { approved = true; return nil }); err != nil {
		return err
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteLocalActivity(lctx, "Settled").Get(lctx, nil); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return approved }); err != nil {
		return err
	}
	return bareWorkflow(ctx, job)
}

// startBareWorker polls the bare side's queue with the same worker options
// as Slipway's own worker; the counter it returns counts settled bare
// approval workflows. Stop it before the stack closes.
func startBareWorker(tb testing.TB, c client.Client) (*atomic.Int64, func()) {
	tb.Helper()
	deny, err := outbound.Parse(outbound.DefaultDev)
	if err != nil {
		tb.Fatal(err)
	}
	acts := &bareActivities{http: outbound.NewClient(deny, 30*time.Second), settled: &atomic.Int64{}}
	w := sdkworker.New(c, bareQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(bareWorkflow, workflow.RegisterOptions{Name: bareWorkflowName})
	w.RegisterWorkflowWithOptions(bareApprovalWorkflow, workflow.RegisterOptions{Name: bareApprovalWorkflowName})
	w.RegisterActivity(acts)
	if err := w.Start(); err != nil {
		tb.Fatal(err)
	}
	return acts.settled, w.Stop
}

// parallel runs fn for 0..n-1 on workers goroutines and fails tb with the
// errors.
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
