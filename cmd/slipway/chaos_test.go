//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slipwayhq/slipway/outbound"
	"github.com/slipwayhq/slipway/pgcluster"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/temporalclient"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// chaosRunsDefault is the size `make test` runs; `make chaos` sets
// SLIPWAY_CHAOS_RUNS=1000.
const chaosRunsDefault = 100

// The kinds of the mixed load, in turn, and the status each must end in.
var chaosKinds = []struct {
	kind, action, want string
}{
	{"sync", "chaos-sync", "SUCCESS"},
	{"async", "chaos-async", "SUCCESS"},
	{"flaky", "chaos-flaky", "SUCCESS"},
	{"approve", "chaos-approval", "SUCCESS"},
	{"decline", "chaos-approval", "DECLINED"},
	{"cancel", "chaos-hold", "CANCELLED"},
}

// TestChaosKills runs the production topology as separate OS processes —
// `slipway temporal`, `slipway web`, two `slipway worker`, PostgreSQL — and
// a mixed load of runs while it SIGKILLs a worker again and again, the web
// process once and the Temporal process once (each started again after).
// Then every run must have ended as expected, with no log line lost or
// doubled, one Idempotency-Key per run at its backend, no run created twice
// by a client's retry, and every row in runs backed by a workflow.
func TestChaosKills(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		testkit.Missing(t, "PostgreSQL", err)
	}
	total := chaosRunsDefault
	if v := os.Getenv("SLIPWAY_CHAOS_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < len(chaosKinds) {
			t.Fatalf("SLIPWAY_CHAOS_RUNS=%q: want a number of runs, at least %d", v, len(chaosKinds))
		}
		total = n
	}
	started := time.Now()
	st := startChaosStack(t)
	t.Logf("stack up after %s (binary built, PostgreSQL, temporal, web, 2 workers)", time.Since(started).Round(time.Millisecond))

	load := &chaosLoad{st: st, total: total, inFlight: make(chan struct{}, min(8+total/50, 32)), bonus: make(chan struct{}, total)}
	kills := st.killPlan(total)
	submitted := make(chan int, total)
	killErr := make(chan error, 1)
	go func() { killErr <- st.runKills(kills, submitted, load) }()
	load.run(submitted) // submitted has room for every run: never blocks
	if err := <-killErr; err != nil {
		t.Fatal(err)
	}
	loadTook := time.Since(started)

	rep := st.verify(t, load)
	rep.kills = st.killCount
	if n := st.client.finalRepeatsRefused.Load(); n > 0 {
		rep.finalRepeats = int(n)
		rep.problem("%d final statuses sent again (their answer lost) were refused as \"ended\" instead of answered success", n)
	}
	t.Logf("chaos: %d runs in %s: %d ended as expected, %d not; log lines lost %d, doubled %d; duplicate deliveries %d; "+
		"runs with more than one backend key %d; runs created twice %d; rows without a workflow %d, rows not final %d; "+
		"kills: worker %d, web %d, temporal %d; client calls repeated %d (refused as done already: final statuses %d, decisions and cancels %d)",
		total, loadTook.Round(time.Second), rep.asExpected, total-rep.asExpected, rep.lost, rep.doubled, rep.duplicateDeliveries,
		rep.multiKey, rep.extraRuns, rep.noWorkflow, rep.notFinal,
		rep.kills["worker"], rep.kills["web"], rep.kills["temporal"], st.client.retries.Load(),
		st.client.finalRepeatsRefused.Load(), st.client.decisionRepeatsRefused.Load())
	rep.fail(t)
}

// chaosStack is the topology under test and what drives it.
type chaosStack struct {
	*processStack
	t *testing.T

	backend *chaosBackend
	client  *chaosClient

	killCount map[string]int
	db        *pgx.Conn // the kill goroutine's, then verify's
}

const chaosSecret = "chaos-webhook-secret"

func startChaosStack(t *testing.T) *chaosStack {
	st := &chaosStack{t: t, processStack: startProcesses(t, 2, chaosSecret), killCount: map[string]int{}}
	conn, err := pgx.Connect(context.Background(), st.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	st.db = conn

	st.backend = newChaosBackend(chaosSecret)
	backend := httptest.NewServer(st.backend)
	t.Cleanup(backend.Close)
	st.client = newChaosClient(st.webURL, 3*time.Minute)
	st.backend.reporter = st.client
	st.createActions(backend.URL)
	return st
}

// processStack is the production topology as separate OS processes:
// `slipway temporal`, `slipway web`, workers `slipway worker`, on a
// PostgreSQL database of the tests' cluster, with two admins.
type processStack struct {
	dir      string
	dbURL    string
	temporal *proc
	web      *proc
	workers  []*proc
	webURL   string
	tempAddr string
	token    string // ops@example.com, admin: creates actions, runs them
	approver string // approver@example.com's token
}

func startProcesses(tb testing.TB, workers int, webhookSecret string, env ...string) *processStack {
	tb.Helper()
	bin := slipwayBinary(tb)
	dir := tb.TempDir()
	st := &processStack{dir: dir, dbURL: pgtest.URL(tb)}
	common := append([]string{
		"DATABASE_URL=" + st.dbURL,
		"TEMPORAL_NAMESPACE=default",
		"SLIPWAY_WEBHOOK_SECRET=" + webhookSecret,
		"SLIPWAY_ENCRYPTION_KEY=Y2hhb3MtdGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXQ=",
		// The backend is on 127.0.0.1, which production denies by default.
		"SLIPWAY_OUTBOUND_DENY=" + outbound.DefaultDev,
		"SLIPWAY_LOG_FORMAT=json",
		"SLIPWAY_LOG_LEVEL=info",
	}, env...)

	// Temporal first, on a port it picks; later starts reuse that port.
	st.temporal = newProc(tb, "temporal", bin, dir, "temporal server ready",
		childEnv(append(common, "SLIPWAY_DATA_DIR="+filepath.Join(dir, "temporal"))...),
		"temporal", "--addr", "127.0.0.1:0", "--ui-addr", "")
	st.tempAddr = fmt.Sprint(st.temporal.mustStart(time.Minute)["frontend"])
	st.temporal.args = []string{"temporal", "--addr", st.tempAddr, "--ui-addr", ""}
	common = append(common, "TEMPORAL_ADDRESS="+st.tempAddr)

	runOnce(tb, bin, childEnv(common...), "user", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "admin")
	runOnce(tb, bin, childEnv(common...), "user", "create", "--email", "approver@example.com", "--name", "Approver", "--role", "admin")
	st.token = runOnce(tb, bin, childEnv(common...), "token", "create", "--user", "ops@example.com")
	st.approver = runOnce(tb, bin, childEnv(common...), "token", "create", "--user", "approver@example.com")

	for i := range workers {
		w := newProc(tb, fmt.Sprintf("worker-%d", i+1), bin, dir, "worker running", childEnv(common...), "worker")
		w.mustStart(time.Minute)
		st.workers = append(st.workers, w)
	}
	// The web process too picks its port once and keeps it over restarts.
	st.web = newProc(tb, "web", bin, dir, "portal and API listening", childEnv(append(common, "SLIPWAY_HTTP_ADDR=127.0.0.1:0")...), "web")
	st.webURL = fmt.Sprint(st.web.mustStart(time.Minute)["url"])
	st.web.env = childEnv(append(common, "SLIPWAY_HTTP_ADDR="+strings.TrimPrefix(st.webURL, "http://"))...)
	if !st.webReady() {
		tb.Fatalf("web not ready within a minute: %s", st.web.tail())
	}
	return st
}

// webReady waits for the web process's readiness endpoint (which checks
// PostgreSQL and Temporal too).
func (st *processStack) webReady() bool {
	return waitFor(time.Minute, func() bool {
		resp, err := http.Get(st.webURL + "/healthz/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func (st *chaosStack) createActions(backendURL string) {
	st.t.Helper()
	hook := func(id, path string, sync bool, extra string) string {
		return fmt.Sprintf(`{"action": {"identifier": %q, "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": %t}%s}}`, id, backendURL+path, sync, extra)
	}
	defs := []string{
		hook("chaos-sync", pathSync, true, ""),
		hook("chaos-async", pathAsync, false, ""),
		hook("chaos-hold", pathHold, false, ""),
		// Five refusals must not use up the retries, nor take minutes.
		hook("chaos-flaky", pathFlaky, true, `, "retryPolicy": {"maximumAttempts": 10, "initialInterval": "200ms", "backoffCoefficient": 1.2, "maximumInterval": "1s"}`),
		hook("chaos-approval", pathAsync, false, `, "requiredApproval": true, "approvers": {"users": ["approver@example.com"]}`),
	}
	for _, def := range defs {
		if status, body := postJSON(st.t, st.webURL+"/slipway.v1.ActionService/CreateAction", st.token, def); status != http.StatusOK {
			st.t.Fatalf("create action: %d %s", status, body)
		}
	}
}

// chaosKill is one kill of the plan: which process, once how many runs
// have been submitted.
type chaosKill struct {
	after int
	what  string // "worker", "web", "temporal"
}

// killPlan spreads the kills over the load: a worker again and again
// (max(4, runs/100) times, the two in turn), the web process at 40% and
// the Temporal process at 60% of the runs submitted.
func (st *chaosStack) killPlan(total int) []chaosKill {
	workerKills := max(4, total/100)
	var plan []chaosKill
	for i := 1; i <= workerKills; i++ {
		plan = append(plan, chaosKill{after: total * i / (workerKills + 1), what: "worker"})
	}
	plan = append(plan, chaosKill{after: total * 4 / 10, what: "web"}, chaosKill{after: total * 6 / 10, what: "temporal"})
	slices.SortStableFunc(plan, func(a, b chaosKill) int { return a.after - b.after })
	return plan
}

// runKills carries out the plan as the submitted count passes each point.
// Each killed process is started again at once and the next kill waits
// until it is back (its ready line; the web's readiness endpoint). It runs
// beside the load, so it returns its failure instead of ending the test.
func (st *chaosStack) runKills(plan []chaosKill, submitted <-chan int, load *chaosLoad) (err error) {
	count := 0
	nextWorker := 0
	for _, k := range plan {
		for count < k.after {
			n, ok := <-submitted
			if !ok {
				return nil
			}
			count = n
		}
		var p *proc
		switch k.what {
		case "worker":
			p = st.workers[nextWorker%len(st.workers)]
			nextWorker++
		case "web":
			p = st.web
		case "temporal":
			p = st.temporal
		}
		st.aim(p, load)
		if err := p.kill(); err != nil {
			return err
		}
		if _, err := p.start(time.Minute); err != nil {
			return err
		}
		if p == st.web && !st.webReady() {
			return fmt.Errorf("web not ready a minute after its restart: %s", st.web.tail())
		}
		st.killCount[k.what]++
		st.t.Logf("killed %s (SIGKILL) after %d runs submitted; it is back", p.name, count)
	}
	return nil
}

// burstSize is how many runs start at once when the web or the Temporal
// process is about to be killed: the kill lands while runs are starting.
const burstSize = 24

// aim waits for the moment a kill hurts most, a condition polled closely:
// for the web and the Temporal process, ExecuteAction calls in flight (a
// burst of starts is let loose for it); for a worker, a backend call in
// flight. It kills anyway when the moment does not come.
func (st *chaosStack) aim(p *proc, load *chaosLoad) {
	var cond func() bool
	switch p {
	case st.web:
		// Rows of the burst written while its calls are still unanswered:
		// some of those runs are between their row and their workflow.
		before := st.runCount()
		for range burstSize {
			load.bonus <- struct{}{}
		}
		cond = func() bool {
			return st.client.executing.Load() >= burstSize/3 && st.runCount() >= before+3
		}
	case st.temporal:
		for range burstSize {
			load.bonus <- struct{}{}
		}
		cond = func() bool { return st.client.executing.Load() >= burstSize/3 }
	default:
		cond = func() bool { return st.backend.inCall.Load() > 0 }
	}
	deadline := time.Now().Add(10 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !cond() {
		st.t.Logf("killing %s without the moment it waited for", p.name)
	}
}

// runCount counts the rows in runs (-1 when PostgreSQL does not answer).
func (st *chaosStack) runCount() int {
	var n int
	if err := st.db.QueryRow(context.Background(), "SELECT count(*) FROM runs").Scan(&n); err != nil {
		return -1
	}
	return n
}

// chaosLoad submits the runs, a bounded number in flight, and drives each
// to its end as a user would (approve, decline, cancel).
type chaosLoad struct {
	st       *chaosStack
	total    int
	inFlight chan struct{}
	// bonus lets runs start beyond inFlight: the bursts aim sends.
	bonus chan struct{}

	mu   sync.Mutex
	runs []*chaosRun
}

// chaosRun is one logical run: one idempotency key, one expected status.
type chaosRun struct {
	n            int
	kind, want   string
	key          string
	id           string
	status, note string
}

func (l *chaosLoad) run(submitted chan<- int) {
	var wg sync.WaitGroup
	var count atomic.Int64
	for n := range l.total {
		k := chaosKinds[n%len(chaosKinds)]
		r := &chaosRun{n: n, kind: k.kind, want: k.want, key: fmt.Sprintf("chaos-%d", n)}
		l.mu.Lock()
		l.runs = append(l.runs, r)
		l.mu.Unlock()
		release := func() { <-l.inFlight }
		select {
		case l.inFlight <- struct{}{}:
		case <-l.bonus:
			release = func() {}
		}
		wg.Go(func() {
			defer release()
			l.drive(r, k.action, func() { submitted <- int(count.Add(1)) })
		})
	}
	wg.Wait()
	close(submitted)
}

func (l *chaosLoad) drive(r *chaosRun, action string, onSubmitted func()) {
	c, st := l.st.client, l.st
	run, err := c.execute(st.token, action, r.key)
	onSubmitted()
	if err != nil {
		r.note = "execute: " + err.Error()
		return
	}
	r.id = run.ID
	switch r.kind {
	case "approve", "decline":
		err = c.decide(st.approver, r.id, r.kind == "approve")
	case "cancel":
		// Cancel a run whose backend call is made: a run in progress.
		if !waitFor(3*time.Minute, func() bool { return st.backend.wasCalled(r.id) }) {
			r.note = "backend never called"
			return
		}
		err = c.cancel(st.token, r.id)
	}
	if err != nil {
		r.note = r.kind + ": " + err.Error()
	}
	waitFor(5*time.Minute, func() bool {
		got, err := c.get(st.token, r.id)
		if err == nil {
			r.status = got.Status
		}
		return err == nil && runs.Status(got.Status).Ended()
	})
}

// waitFor polls cond until it holds or within has passed.
func waitFor(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}

// chaosReport is what the checks found.
type chaosReport struct {
	asExpected                      int
	lost, doubled                   int
	duplicateDeliveries, multiKey   int
	extraRuns, noWorkflow, notFinal int
	finalRepeats                    int
	kills                           map[string]int
	problems                        []string
}

func (r *chaosReport) problem(format string, args ...any) {
	if len(r.problems) < 30 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

// fail reports every problem, and names the part of issue #9 that each
// kind of problem waits for, where one does.
func (r *chaosReport) fail(t *testing.T) {
	t.Helper()
	for _, p := range r.problems {
		t.Error(p)
	}
	if r.extraRuns > 0 {
		t.Log("runs created twice need ExecuteAction to honour Idempotency-Key / idempotency_key (the same key returns the same run)")
	}
	if r.noWorkflow > 0 || r.notFinal > 0 {
		t.Log("rows without a workflow or never final need a crash-safe start (a run exists if and only if its workflow does)")
	}
	if r.finalRepeats > 0 {
		t.Log("refused final statuses need status updates that repeat the current final status to answer success")
	}
	if r.doubled > 0 {
		t.Log("doubled log lines need AddRunLog to store a line retried with the same key once")
	}
}

// verify checks every run, line, backend call and row.
func (st *chaosStack) verify(t *testing.T, load *chaosLoad) *chaosReport {
	rep := &chaosReport{}
	tracked := map[string]*chaosRun{}
	for _, r := range load.runs {
		if r.id != "" {
			tracked[r.id] = r
		}
		if r.id != "" && r.status == r.want && r.note == "" {
			rep.asExpected++
			continue
		}
		rep.problem("run %d (%s, %s): status %q, want %q %s", r.n, r.kind, r.id, r.status, r.want, r.note)
	}

	// Log lines: every numbered line of an async backend exactly once.
	for _, r := range load.runs {
		if r.id == "" || (r.kind != "async" && r.kind != "approve") {
			continue
		}
		lines, err := st.client.logLines(st.token, r.id)
		if err != nil {
			rep.problem("logs of run %s: %v", r.id, err)
			continue
		}
		seen := map[string]int{}
		for _, l := range lines {
			seen[l]++
		}
		want := []string{asyncFinal(r.id)}
		for i := 1; i <= asyncLines; i++ {
			want = append(want, asyncLine(r.id, i))
		}
		for _, w := range want {
			switch n := seen[w]; {
			case n == 0:
				rep.lost++
				rep.problem("run %s lost line %q", r.id, w)
			case n > 1:
				rep.doubled += n - 1
				rep.problem("run %s stored line %q %d times", r.id, w, n)
			}
		}
	}

	// Backend calls: one key per run; repeats of a delivery counted.
	for id, c := range st.backend.snapshot() {
		expected := 1
		if c.path == pathFlaky {
			expected = flakyFailures + 1
		}
		if c.count > expected {
			rep.duplicateDeliveries += c.count - expected
		}
		if len(c.keys) != 1 {
			rep.multiKey++
			rep.problem("run %s reached its backend with %d Idempotency-Keys: %v", id, len(c.keys), c.keys)
		}
	}
	for _, e := range st.backend.bad {
		rep.problem("backend: %s", e)
	}
	for _, e := range st.client.backendErrors {
		rep.problem("backend report: %s", e)
	}

	// Rows: each is a tracked run (no run created twice by a retried
	// ExecuteAction), has a workflow, and ends.
	ctx := context.Background()
	conn := st.db
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	tc, err := temporalclient.Dial(ctx, st.tempAddr, "default", logger)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	var rows map[string]string
	waitFor(time.Minute, func() bool {
		rows, err = runRows(ctx, conn)
		if err != nil {
			return false
		}
		for _, status := range rows {
			if !runs.Status(status).Ended() {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, status := range rows {
		if tracked[id] == nil {
			rep.extraRuns++
			rep.problem("run %s (%s) was created by no tracked ExecuteAction: a retried call started a second run", id, status)
		}
		if !runs.Status(status).Ended() {
			rep.notFinal++
			rep.problem("run %s still %s a minute after the load", id, status)
		}
		if _, err := tc.DescribeWorkflowExecution(ctx, runs.WorkflowID(id), ""); err != nil {
			rep.noWorkflow++
			rep.problem("run %s (%s) has no workflow: %v", id, status, err)
		}
	}
	return rep
}

func runRows(ctx context.Context, conn *pgx.Conn) (map[string]string, error) {
	rows, err := conn.Query(ctx, "SELECT id::text, status FROM runs")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			return nil, err
		}
		out[id] = status
	}
	return out, rows.Err()
}
