package testkit

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Backend is a fake action backend: an httptest server that records every
// call it gets and answers as the test set it up to (by default 202
// Accepted, as an asynchronous backend does). It is safe for concurrent
// use: the run's worker calls it while the test reads it.
type Backend struct {
	// URL is the server's base URL; calls to any path under it reach it.
	URL string

	answer func(Call) (status int, body string)
	check  func(r *http.Request, body []byte) error
	onCall func(*Backend, Call)

	mu       sync.Mutex
	calls    []Call
	problems []string
	changed  chan struct{} // closed and replaced on every call
}

// Call is one request the backend got.
type Call struct {
	At     time.Time
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// N counts the backend's calls, from 1.
	N int
	// RunID and RunToken are the payload's run.id and run.token (Slipway's
	// and Port's webhook payload), empty when it has none.
	RunID, RunToken string
}

// JSON decodes the call's body as a JSON object (nil when it is none).
func (c Call) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(c.Body, &m)
	return m
}

// BackendOption sets up a Backend.
type BackendOption func(*Backend)

// Answers makes the backend answer every call with status and body (sent
// as JSON when not empty): Answers(http.StatusOK, `{"statusLabel": "done"}`)
// is a synchronized backend's outcome.
func Answers(status int, body string) BackendOption {
	return AnswersWith(func(Call) (int, string) { return status, body })
}

// AnswersWith makes answer decide each call's status and body, by its path
// or its count; it may block, as a slow backend does.
func AnswersWith(answer func(Call) (status int, body string)) BackendOption {
	return func(b *Backend) { b.answer = answer }
}

// FailsFirst makes the backend refuse its first n calls with status (a 5xx
// that the caller retries, a 4xx that it does not), then answer as set up.
// Give it after the option that sets the answer.
func FailsFirst(n, status int) BackendOption {
	return func(b *Backend) {
		next := b.answer
		b.answer = func(c Call) (int, string) {
			if c.N <= n {
				return status, `{"error": "failing on purpose"}`
			}
			return next(c)
		}
	}
}

// Signed makes the backend check each call's signature headers as a real
// backend does: sign(secret, timestamp, body) must equal the signature
// under every prefix (default "x-slipway-"), and the timestamp must be
// fresh. A call that fails is answered 401, not recorded, and kept as a
// problem. (sign is the caller's, e.g. signing.Sign: testkit imports
// nothing of Slipway's, so every package's tests may use it.)
func Signed(secret string, sign func(secret []byte, ts int64, body []byte) string, prefixes ...string) BackendOption {
	if len(prefixes) == 0 {
		prefixes = []string{"x-slipway-"}
	}
	return func(b *Backend) {
		b.check = func(r *http.Request, body []byte) error {
			for _, p := range prefixes {
				ts, _ := strconv.ParseInt(r.Header.Get(p+"timestamp"), 10, 64)
				if r.Header.Get(p+"signature") != sign([]byte(secret), ts, body) {
					return fmt.Errorf("bad signature under %s on %s", p, r.URL.Path)
				}
				if age := time.Since(time.Unix(ts, 0)); age > time.Minute {
					return fmt.Errorf("stale timestamp under %s (%s old)", p, age.Round(time.Second))
				}
			}
			return nil
		}
	}
}

// OnCall runs job for every recorded call in a goroutine of its own after
// the answer is written: an asynchronous backend's job reporting back. The
// job notes what goes wrong with b.Problemf (the test may have ended).
func OnCall(job func(b *Backend, c Call)) BackendOption {
	return func(b *Backend) { b.onCall = job }
}

// MustBackend starts a Backend that closes when the test ends.
func MustBackend(tb testing.TB, opts ...BackendOption) *Backend {
	tb.Helper()
	b := &Backend{
		answer:  func(Call) (int, string) { return http.StatusAccepted, "" },
		changed: make(chan struct{}),
	}
	for _, o := range opts {
		o(b)
	}
	srv := httptest.NewServer(b)
	tb.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

func (b *Backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		b.Problemf("read the body of %s: %v", r.URL.Path, err)
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if b.check != nil {
		if err := b.check(r, body); err != nil {
			b.Problemf("%v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
	}
	c := b.record(Call{At: time.Now(), Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	status, answer := b.answer(c)
	if answer != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
	if b.onCall != nil {
		go b.onCall(b, c)
	}
}

func (b *Backend) record(c Call) Call {
	var p struct {
		Run struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		} `json:"run"`
	}
	_ = json.Unmarshal(c.Body, &p)
	c.RunID, c.RunToken = p.Run.ID, p.Run.Token
	b.mu.Lock()
	defer b.mu.Unlock()
	c.N = len(b.calls) + 1
	b.calls = append(b.calls, c)
	close(b.changed)
	b.changed = make(chan struct{})
	return c
}

// Calls is every call recorded so far, in order.
func (b *Backend) Calls() []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Call(nil), b.calls...)
}

// Count is how many calls were recorded.
func (b *Backend) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

// CallsOf is the calls made for one run.
func (b *Backend) CallsOf(runID string) []Call {
	var out []Call
	for _, c := range b.Calls() {
		if c.RunID == runID {
			out = append(out, c)
		}
	}
	return out
}

// Token is the run token the latest call for runID carried ("" before any).
func (b *Backend) Token(runID string) string {
	calls := b.CallsOf(runID)
	if len(calls) == 0 {
		return ""
	}
	return calls[len(calls)-1].RunToken
}

// Await waits until cond holds for the calls recorded so far, and fails
// the test naming what it waited for after within. cond runs under the
// backend's lock: it reads the calls it is given, not the backend.
func (b *Backend) Await(tb testing.TB, within time.Duration, what string, cond func([]Call) bool) {
	tb.Helper()
	timeout := time.After(within)
	for {
		b.mu.Lock()
		ok, changed := cond(b.calls), b.changed
		b.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			tb.Fatalf("timed out after %s waiting for %s", within, what)
		}
	}
}

// AwaitCalls waits until the backend has recorded n calls.
func (b *Backend) AwaitCalls(tb testing.TB, n int, within time.Duration) []Call {
	tb.Helper()
	b.Await(tb, within, fmt.Sprintf("%d backend call(s)", n), func(calls []Call) bool { return len(calls) >= n })
	return b.Calls()
}

// AwaitRun waits for the first call for runID and returns it.
func (b *Backend) AwaitRun(tb testing.TB, runID string, within time.Duration) Call {
	tb.Helper()
	var got Call
	b.Await(tb, within, "the backend call of run "+runID, func(calls []Call) bool {
		for _, c := range calls {
			if c.RunID == runID {
				got = c
				return true
			}
		}
		return false
	})
	return got
}

// Problemf records something the backend found wrong (a job reporting
// back may add its own); the test checks Problems at its end.
func (b *Backend) Problemf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// Problems is what the backend found wrong so far.
func (b *Backend) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}
