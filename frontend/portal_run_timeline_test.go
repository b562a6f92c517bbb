package frontend

import (
	"testing"
	"time"

	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

func TestTimelineShowsEachMomentWithItsDuration(t *testing.T) {
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	ended := at.Add(95 * time.Second)
	run := selfservice.Run{CreatedAt: at, RequesterEmail: "dev1@example.com", Origin: "UI", Status: runs.StatusFailure,
		StatusLabel: "backend answered 400", EndedAt: &ended,
		Approvals: []runs.Decision{{Approver: "approver@example.com", Approved: true, Reason: "ok", At: at.Add(30 * time.Second)}}}
	got := timeline(run)
	want := []struct{ what, since string }{
		{"Requested by dev1@example.com via UI", ""},
		{"Approved by approver@example.com: ok", "30s"},
		{"Ended FAILURE: backend answered 400", "1m5s"},
	}
	if len(got) != len(want) {
		t.Fatalf("timeline %+v", got)
	}
	for i, w := range want {
		if got[i].What != w.what || got[i].Since != w.since {
			t.Errorf("entry %d: %q (+%s), want %q (+%s)", i, got[i].What, got[i].Since, w.what, w.since)
		}
	}
	waiting := selfservice.Run{CreatedAt: at, RequesterEmail: "dev1@example.com", Origin: "API", Status: runs.StatusWaitingForApproval,
		Approvers: []string{"approver@example.com"}}
	if got := timeline(waiting); len(got) != 2 || !got[1].Now || got[1].What != "Waiting for a decision from approver@example.com" {
		t.Errorf("waiting timeline %+v", got)
	}
}
