//go:build !slipway_lean

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slipwayhq/slipway/signing"
)

// Backend behaviours of the kill test's actions, by the path they call.
const (
	pathSync  = "/sync"  // answers the outcome at once (synchronized)
	pathAsync = "/async" // accepts, then reports numbered log lines and SUCCESS
	pathHold  = "/hold"  // accepts and never reports: the run is cancelled
	pathFlaky = "/flaky" // 503 five times, then the outcome (synchronized)
)

// syncWork is how long a synchronous backend works on a call.
const syncWork = 300 * time.Millisecond

// asyncLines is how many numbered lines an async backend reports.
const asyncLines = 5

// flakyFailures is how many calls of one run the flaky backend refuses.
const flakyFailures = 5

// chaosBackend is the backend of every kill-test action: an idempotent one,
// as a real backend is. It checks signatures, records every call with its
// Idempotency-Key, does the job of a key once (a call repeated with the
// same key is answered again, not worked on again), and reports through
// the API with a client that retries over restarts.
type chaosBackend struct {
	secret   string
	reporter *chaosClient

	// inCall counts calls being answered: a worker killed then loses one.
	inCall atomic.Int64

	mu    sync.Mutex
	calls map[string]*backendCalls // by run id
	bad   []string
}

// backendCalls is what one run's backend saw.
type backendCalls struct {
	path  string
	count int
	keys  map[string]int // Idempotency-Key → calls with it
	// worked says the job started (once per key: later calls are repeats).
	worked map[string]bool
}

func newChaosBackend(secret string) *chaosBackend {
	return &chaosBackend{secret: secret, calls: map[string]*backendCalls{}}
}

func (b *chaosBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.inCall.Add(1)
	defer b.inCall.Add(-1)
	body, _ := io.ReadAll(r.Body)
	ts, _ := strconv.ParseInt(r.Header.Get("x-slipway-timestamp"), 10, 64)
	if r.Header.Get("x-slipway-signature") != signing.Sign([]byte(b.secret), ts, body) {
		b.fail("bad signature on %s", r.URL.Path)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var payload struct {
		Run struct{ ID, Token string }
	}
	if err := json.Unmarshal(body, &payload); err != nil || payload.Run.ID == "" {
		b.fail("payload without a run: %.200s", body)
		http.Error(w, "no run", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	c, first := b.record(payload.Run.ID, r.URL.Path, key)

	switch r.URL.Path {
	case pathSync:
		// The job takes a moment, as jobs do: long enough for a worker
		// killed meanwhile to lose the answer and deliver the call again.
		time.Sleep(syncWork)
		writeJSON(w, http.StatusOK, `{"statusLabel": "done at once"}`)
	case pathFlaky:
		if c <= flakyFailures {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, http.StatusOK, `{"statusLabel": "done after retries"}`)
	case pathAsync:
		w.WriteHeader(http.StatusAccepted)
		if first {
			go b.reporter.reportAsync(payload.Run.ID, payload.Run.Token)
		}
	case pathHold:
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// record notes one call; it returns the run's call count and whether this
// key is new (the job is to be done).
func (b *chaosBackend) record(runID, path, key string) (int, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.calls[runID]
	if c == nil {
		c = &backendCalls{path: path, keys: map[string]int{}, worked: map[string]bool{}}
		b.calls[runID] = c
	}
	c.count++
	c.keys[key]++
	first := !c.worked[key]
	c.worked[key] = true
	return c.count, first
}

func (b *chaosBackend) fail(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bad = append(b.bad, fmt.Sprintf(format, args...))
}

// wasCalled says whether the run's backend has been called.
func (b *chaosBackend) wasCalled(runID string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[runID] != nil
}

// snapshot copies what the backend saw of one run.
func (b *chaosBackend) snapshot() map[string]backendCalls {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]backendCalls, len(b.calls))
	for id, c := range b.calls {
		cp := *c
		cp.keys = maps.Clone(c.keys)
		out[id] = cp
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// asyncLine is the text of line i of a run, as the backend sends it.
func asyncLine(runID string, i int) string { return fmt.Sprintf("chaos %s line %d", runID, i) }

// asyncFinal is the last line, sent with the final status.
func asyncFinal(runID string) string { return fmt.Sprintf("chaos %s done", runID) }

// reportAsync is an async backend's job: numbered lines, then SUCCESS, each
// call retried (same key) until the API takes it.
func (c *chaosClient) reportAsync(runID, token string) {
	for i := 1; i <= asyncLines; i++ {
		if err := c.addLog(runID, token, asyncLine(runID, i), "", fmt.Sprintf("%s/line-%d", runID, i)); err != nil {
			c.noteBackendError("line %d of %s: %v", i, runID, err)
			return
		}
	}
	if err := c.addLog(runID, token, asyncFinal(runID), "SUCCESS", runID+"/final"); err != nil {
		c.noteBackendError("final status of %s: %v", runID, err)
	}
}

// retryPause is the pause between two tries of one call: short, the
// stack comes back within seconds.
func retryPause(attempt int) time.Duration {
	return min(time.Duration(attempt)*100*time.Millisecond, time.Second)
}
