package demo

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// Only calls signed by Slipway, recently, are worked on.
func TestWebhookChecksTheSignature(t *testing.T) {
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	p := func() map[string]any { return map[string]any{"entity": map[string]any{"identifier": "pr-1"}} }
	for _, c := range []struct {
		name    string
		headers map[string]string
	}{
		{"no signature", map[string]string{"X-Slipway-Signature": ""}},
		{"no timestamp", map[string]string{"X-Slipway-Timestamp": ""}},
		{"another secret's signature", map[string]string{"X-Slipway-Signature": "v1,bm90IHRoZSByaWdodCBvbmU="}},
		{"replayed an hour later", map[string]string{"X-Slipway-Timestamp": strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)}},
	} {
		if got := b.call(t, "delete_environment", p(), c.headers); got != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", c.name, got)
		}
	}
	if fake.logText() != "" {
		t.Fatalf("refused calls did work: %q", fake.logText())
	}
	if got := b.call(t, "delete_environment", p(), nil); got != http.StatusAccepted {
		t.Fatalf("signed call: status %d, want 202", got)
	}
	if final := fake.final(t); final["status"] != "SUCCESS" {
		t.Errorf("final %v", final)
	}
}

func TestWebhookRefusesWhatItCannotWorkOn(t *testing.T) {
	_, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	if got := b.call(t, "launch_rocket", map[string]any{}, nil); got != http.StatusNotFound {
		t.Errorf("unknown action: %d, want 404", got)
	}
	if got := b.call(t, "redeploy", map[string]any{"run": map[string]any{"token": "t"}}, nil); got != http.StatusBadRequest {
		t.Errorf("payload without run.id: %d, want 400", got)
	}
	if got := b.call(t, "redeploy", map[string]any{"run": map[string]any{"id": "run-1"}}, nil); got != http.StatusBadRequest {
		t.Errorf("payload without run.token: %d, want 400", got)
	}
}

// A retried call (same Idempotency-Key) is answered but not worked on twice.
func TestWebhookWorksOnARetriedCallOnce(t *testing.T) {
	needGit(t)
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	in := map[string]any{"inputs": map[string]any{"name": "once", "language": "go", "team": "payments"}}
	key := map[string]string{"Idempotency-Key": "run-once/1"}
	for range 2 {
		if got := b.call(t, "scaffold_service", in, key); got != http.StatusAccepted {
			t.Fatalf("status %d", got)
		}
	}
	if final := fake.final(t); final["status"] != "SUCCESS" {
		t.Fatalf("final %v", final)
	}
	select {
	case again := <-fake.ended:
		t.Fatalf("the retry ran the job again: %v", again)
	case <-time.After(300 * time.Millisecond):
	}
}

// Reports ride out a short outage of Slipway.
func TestReportsRetryTransientFailures(t *testing.T) {
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	fake.mu.Lock()
	fake.unavailable = 2
	fake.mu.Unlock()
	if got := b.call(t, "delete_environment", map[string]any{"entity": map[string]any{"identifier": "pr-2"}}, nil); got != http.StatusAccepted {
		t.Fatalf("status %d", got)
	}
	if final := fake.final(t); final["status"] != "SUCCESS" {
		t.Fatalf("final %v", final)
	}
	if fake.logText() == "" {
		t.Error("no log line got through")
	}
}
