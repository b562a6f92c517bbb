package testkit

import (
	"testing"
	"time"
)

// WaitUntil polls cond until it holds, and fails the test naming what it
// waited for when it still does not hold after within.
func WaitUntil(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
