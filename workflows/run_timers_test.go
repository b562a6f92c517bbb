package workflows_test

import (
	"sync"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/runs"
)

// A phase's timer is cancelled when its phase ends, as EntityExpiry's is:
// the approval TTL's when the run is approved, the run timeout's when the
// backend reports the end. A timer left behind keeps the server's timer
// queue busy until the TTL (days) for a run that ended long ago.
func TestPhaseTimersAreCancelledWhenTheirPhaseEnds(t *testing.T) {
	h := newHarness(t, definition(t, "true", false))
	h.in.CodeVersion = runs.CodeVersion
	var mu sync.Mutex
	durations := map[string]time.Duration{}
	var cancelled []time.Duration
	h.env.SetOnTimerScheduledListener(func(id string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		durations[id] = d
	})
	h.env.SetOnTimerCanceledListener(func(id string) {
		mu.Lock()
		defer mu.Unlock()
		cancelled = append(cancelled, durations[id])
	})
	var approveErr, reportErr error
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, &approveErr)
	h.at(2*time.Minute, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess}, &reportErr)
	if s := h.execute(); s.Status != runs.StatusSuccess || approveErr != nil || reportErr != nil {
		t.Fatalf("final state %+v, approve %v, report %v", s, approveErr, reportErr)
	}
	approvalTTL, runTimeout := 24*time.Hour, 2*time.Hour // definition's approvalTtl 1d and runTimeout 2h
	want := map[time.Duration]bool{approvalTTL: false, runTimeout: false}
	for _, d := range cancelled {
		if _, ok := want[d]; ok {
			want[d] = true
		}
	}
	for d, ok := range want {
		if !ok {
			t.Errorf("the %v phase timer was not cancelled when its phase ended (cancelled: %v; scheduled: %v)", d, cancelled, durations)
		}
	}
}
