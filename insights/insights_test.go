package insights_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/insights"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// seededRun is a run written straight to the database as its workflow
// would leave it.
type seededRun struct {
	action       string
	requester    uuid.UUID
	visibleToAll bool
	backend      string // the definition's invocationMethod
	created      time.Time
	status       runs.Status
	took         time.Duration // to the end; 0: not ended
	decidedAfter time.Duration // the approval's decision; 0: none
}

func seed(t *testing.T, store *db.Store, r seededRun) {
	t.Helper()
	ctx := context.Background()
	id := uuid.New()
	hash := make([]byte, 32)
	_, _ = rand.Read(hash)
	created := r.created
	if _, err := store.Q.CreateRun(ctx, queries.CreateRunParams{
		ID: id, ActionIdentifier: r.action, Definition: []byte(`{"invocationMethod": ` + r.backend + `}`), Inputs: []byte(`{}`),
		Status: runs.StatusInProgress, RequestedBy: r.requester, Origin: "API", TokenHash: hash, VisibleToAll: r.visibleToAll,
		Approvers: []string{}, CreatedAt: &created,
	}); err != nil {
		t.Fatal(err)
	}
	var decisions []runs.Decision
	if r.decidedAfter > 0 {
		decisions = append(decisions, runs.Decision{Approver: "approver@example.com", Approved: true, At: r.created.Add(r.decidedAfter)})
	}
	approvals, _ := json.Marshal(decisions)
	if decisions == nil {
		approvals = []byte(`[]`)
	}
	var ended *time.Time
	if r.took > 0 {
		ended = new(r.created.Add(r.took))
	}
	if _, err := store.Q.SaveRunState(ctx, queries.SaveRunStateParams{ID: id, Status: r.status, Links: []byte(`[]`), Approvals: approvals, Version: 1, EndedAt: ended}); err != nil {
		t.Fatal(err)
	}
}

func TestInsightsAreComputedOverTheRunsTheViewerMaySee(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(t)
	dev1 := pgtest.MustUser(t, ident, "dev1@example.com")
	dev2 := pgtest.MustUser(t, ident, "dev2@example.com")
	admin := pgtest.MustUser(t, ident, "admin@example.com")
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	yesterday := today.AddDate(0, 0, -1).Add(10 * time.Hour)
	webhook := `{"type": "WEBHOOK", "url": "https://ci.example.com/hook?x=1"}`

	seed(t, store, seededRun{action: "deploy", requester: dev1.ID, visibleToAll: true, backend: webhook, created: yesterday,
		status: runs.StatusSuccess, took: 60 * time.Second, decidedAfter: 20 * time.Second})
	seed(t, store, seededRun{action: "deploy", requester: dev1.ID, visibleToAll: true, backend: webhook, created: yesterday.Add(time.Hour),
		status: runs.StatusFailure, took: 120 * time.Second})
	seed(t, store, seededRun{action: "deploy", requester: dev1.ID, visibleToAll: true, backend: webhook, created: today,
		status: runs.StatusInProgress})
	// Hidden from everyone but its requester, its approvers and admins.
	seed(t, store, seededRun{action: "secret_op", requester: dev2.ID, backend: `{"type": "GITHUB"}`, created: today,
		status: runs.StatusSuccess, took: 10 * time.Minute})
	// Still waiting, one approver of several decided: no wait to count yet.
	seed(t, store, seededRun{action: "deploy", requester: dev1.ID, visibleToAll: true, backend: webhook, created: yesterday.Add(2 * time.Hour),
		status: runs.StatusWaitingForApproval, decidedAfter: time.Hour})
	// Older than the report's days.
	seed(t, store, seededRun{action: "deploy", requester: dev1.ID, visibleToAll: true, backend: webhook, created: today.AddDate(0, 0, -10),
		status: runs.StatusSuccess, took: time.Hour})

	rep, err := insights.Load(ctx, store.Q, dev1, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Days) != 3 || !rep.Days[0].Day.Equal(today.AddDate(0, 0, -2)) || rep.Days[0].Total != 0 {
		t.Fatalf("days %+v", rep.Days)
	}
	if d := rep.Days[1]; d.Total != 3 || d.ByStatus[runs.StatusSuccess] != 1 || d.ByStatus[runs.StatusFailure] != 1 || d.ByStatus[runs.StatusWaitingForApproval] != 1 {
		t.Errorf("yesterday %+v", d)
	}
	if d := rep.Days[2]; d.Total != 1 || d.ByStatus[runs.StatusInProgress] != 1 {
		t.Errorf("today, the hidden run left out: %+v", d)
	}
	// Percentiles interpolate, as PostgreSQL's percentile_cont does.
	want := insights.ActionOutcome{Action: "deploy", Ended: 2, Succeeded: 1, P50: 90 * time.Second, P95: 117 * time.Second}
	if len(rep.Actions) != 1 || rep.Actions[0] != want || rep.Actions[0].SuccessRate() != 0.5 {
		t.Errorf("actions %+v, want [%+v]", rep.Actions, want)
	}
	if len(rep.ApprovalWaits) != 1 || rep.ApprovalWaits[0] != (insights.ApprovalWait{Action: "deploy", Decided: 1, P50: 20 * time.Second, P95: 20 * time.Second, Max: 20 * time.Second}) {
		t.Errorf("approval waits %+v", rep.ApprovalWaits)
	}
	// The backend's time starts at the decision: 40s and 120s.
	if len(rep.Backends) != 1 || rep.Backends[0] != (insights.Backend{Backend: "WEBHOOK ci.example.com", Runs: 2, P50: 80 * time.Second, P95: 116 * time.Second}) {
		t.Errorf("backends %+v", rep.Backends)
	}

	all, err := insights.Load(ctx, store.Q, admin, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	if all.Days[2].Total != 2 || len(all.Actions) != 2 || len(all.Backends) != 2 || all.Backends[0].Backend != "GITHUB" || all.Backends[0].P95 != 10*time.Minute {
		t.Errorf("an admin's insights see every run: days %+v actions %+v backends %+v", all.Days, all.Actions, all.Backends)
	}

	if _, err := insights.Load(ctx, store.Q, dev1, 0, now); err == nil {
		t.Error("0 days: no error")
	}
}
