package activities_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// An approver's "approval needed" notice clears (is marked read) once its
// stage is decided, by anyone: the run moving to the next stage clears the
// first stage's notices, the run leaving approval clears the rest, and a
// notice recorded late (it goes out in the background) is stored read.
// Other notices stay unread.
func TestApprovalNeededNoticesClearOnceTheirStageIsDecided(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	id := storedRun(t, store)
	ident := identity.New(store)
	approver := pgtest.MustUser(t, ident, "approver@example.com").ID
	admin := pgtest.MustUser(t, ident, "admin@example.com").ID
	dev := pgtest.MustUser(t, ident, "dev1@example.com").ID
	a := &activities.Activities{Store: store}
	inbox := notifications.Inbox{Q: store.Q}
	save := func(version int64, status runs.Status, stage int) {
		t.Helper()
		// As the workflow saves a run that needs approval: with the stage's approvers.
		if err := a.SaveRun(ctx, activities.SaveRunInput{RunID: id.String(), Version: version, Status: status, Stage: stage,
			StageApprovers: []string{"approver@example.com", "admin@example.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	record := func(event string, to ...string) {
		t.Helper()
		if err := inbox.Record(ctx, notifications.Notice{RunID: id.String(), Event: event, Title: event, Recipients: to}); err != nil {
			t.Fatal(err)
		}
	}
	expectUnread := func(when string, user uuid.UUID, want ...string) {
		t.Helper()
		list, err := inbox.List(ctx, user, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, n := range list {
			if !n.Read {
				got = append(got, n.Title)
			}
		}
		slices.Sort(got)
		if want == nil {
			want = []string{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: unread %v, want %v", when, got, want)
		}
	}

	save(1, runs.StatusWaitingForApproval, 0)
	record("waiting/0", "approver@example.com", "admin@example.com")
	expectUnread("waiting at stage 1", approver, "waiting/0")

	// The admin decides stage 1: the approver's notice of it clears too.
	save(2, runs.StatusWaitingForApproval, 1)
	expectUnread("stage 1 decided", approver)
	expectUnread("stage 1 decided", admin)
	record("waiting/1", "approver@example.com")
	record("waiting/0", "dev1@example.com") // a late notice of stage 1
	expectUnread("waiting at stage 2", approver, "waiting/1")
	expectUnread("a late notice of a decided stage", dev)

	save(3, runs.StatusInProgress, 1)
	record("approved", "dev1@example.com")
	expectUnread("approved", approver)
	expectUnread("approved", dev, "approved")
}

// A run ended without its workflow (lost, or cancelled before it started)
// no longer waits for anyone either.
func TestApprovalNeededNoticesClearWhenARunEndsWithoutItsWorkflow(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	id := storedRun(t, store)
	approver := pgtest.MustUser(t, identity.New(store), "approver@example.com").ID
	a := &activities.Activities{Store: store}
	if err := a.SaveRun(ctx, activities.SaveRunInput{RunID: id.String(), Version: 1, Status: runs.StatusWaitingForApproval, StageApprovers: []string{"approver@example.com"}}); err != nil {
		t.Fatal(err)
	}
	inbox := notifications.Inbox{Q: store.Q}
	if err := inbox.Record(ctx, notifications.Notice{RunID: id.String(), Event: "waiting/0", Title: "Approval needed", Recipients: []string{"approver@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, ended, err := selfservice.EndRunWithoutWorkflow(ctx, store, slipway.User{}, id, runs.StatusFailure, "lost"); err != nil || !ended {
		t.Fatalf("end: %v %v", ended, err)
	}
	if n, err := inbox.Unread(ctx, approver); n != 0 || err != nil {
		t.Errorf("the approver's unread notices after the run ended: %d, %v", n, err)
	}
}
