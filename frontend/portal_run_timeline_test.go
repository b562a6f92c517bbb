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
	got := timeline(run, nil) // a run whose events were not recorded: its row
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
	if got := timeline(waiting, nil); len(got) != 2 || !got[1].Now || got[1].What != "Waiting for a decision from approver@example.com" {
		t.Errorf("waiting timeline %+v", got)
	}

	// From the audit log: each event, then the state the run is in.
	events := []selfservice.RunEvent{
		{At: at, Actor: "dev1@example.com", Verb: "execute", Origin: "UI"},
		{At: at.Add(2 * time.Second), Actor: "run:x", Verb: "report", After: map[string]any{"statusLabel": "building"}},
	}
	running := selfservice.Run{CreatedAt: at, Status: runs.StatusInProgress}
	got = timeline(running, events)
	if len(got) != 3 || got[1].What != "The backend reported: building" || got[1].Since != "2s" || !got[2].Now {
		t.Errorf("timeline from events %+v", got)
	}
}
