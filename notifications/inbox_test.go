package notifications_test

import (
	"context"
	"os"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func TestInboxRecordsOncePerRecipientAndCountsWhatIsUnread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(t)
	dev1 := pgtest.MustUser(t, ident, "dev1@example.com")
	dev2, _ := ident.UserByEmail(ctx, "dev2@example.com")
	run := pgtest.EndedRun(t, store, dev1.ID, "deploy", 0).String()
	inbox := notifications.Inbox{Q: store.Q}

	ended := notifications.Notice{RunID: run, Event: "ended", Kind: notifications.Ended, Title: "deploy: SUCCESS\x00", Body: "done",
		Recipients: []string{"DEV1@example.com", "nobody@example.com"}}
	for range 2 { // a retried activity records nothing twice
		if err := inbox.Record(ctx, ended); err != nil {
			t.Fatal(err)
		}
	}
	list, err := inbox.List(ctx, dev1.ID, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("dev1's inbox %+v, %v; want the one notice", list, err)
	}
	if n := list[0]; n.RunID != run || n.Title != "deploy: SUCCESS\uFFFD" || n.Body != "done" || n.Read || n.At.IsZero() {
		t.Errorf("notification %+v", n)
	}
	if others, _ := inbox.List(ctx, dev2.ID, 10); len(others) != 0 {
		t.Errorf("dev2 got %+v", others)
	}
	if n, err := inbox.Unread(ctx, dev1.ID); n != 1 || err != nil {
		t.Errorf("unread %d, %v; want 1", n, err)
	}
	if err := inbox.MarkAllRead(ctx, dev1.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := inbox.Unread(ctx, dev1.ID); n != 0 {
		t.Errorf("unread after marking all read: %d", n)
	}
	if list, _ := inbox.List(ctx, dev1.ID, 10); len(list) != 1 || !list[0].Read {
		t.Errorf("after marking all read %+v", list)
	}

	err = inbox.Record(ctx, notifications.Notice{RunID: "not-a-run", Event: "ended", Recipients: []string{"dev1@example.com"}})
	if slipway.ErrorCode(err) != slipway.CodeInvalid {
		t.Errorf("a malformed run id: %v, want invalid", err)
	}
}
