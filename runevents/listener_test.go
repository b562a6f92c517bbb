package runevents

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// wait returns the subscription's next change, failing after a while.
func wait(t *testing.T, s *Subscription, what string) Change {
	t.Helper()
	select {
	case <-s.Wake():
		c, _ := s.Take()
		c.At = time.Time{} // compared without it
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("no wake-up: %s", what)
		return Change{}
	}
}

func TestListenerDeliversNotificationsAndRecoversALostConnection(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	hub := NewHub()
	l := Listen(store.Pool.Config().ConnConfig, hub, slog.New(slog.DiscardHandler))
	defer l.Stop()
	sub := hub.Subscribe("run-1")
	defer sub.Close()
	<-l.Ready()
	wait(t, sub, "the first LISTEN wakes everyone to read in full")

	if err := Notify(ctx, store.Pool, "run-1", Change{Seq: 5}); err != nil {
		t.Fatal(err)
	}
	if c := wait(t, sub, "a notification"); c != (Change{Seq: 5}) {
		t.Errorf("got %+v, want seq 5", c)
	}
	// A notification inside a transaction arrives once it commits.
	tx, err := store.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := Notify(ctx, tx, "run-1", Change{State: true}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if c := wait(t, sub, "a committed notification"); !c.State {
		t.Errorf("got %+v, want state", c)
	}

	// The server drops the listener's connection: it reconnects, wakes
	// every viewer to re-read (notifications may have been missed), and
	// hears notifications again.
	var killed int
	if err := store.Pool.QueryRow(ctx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND datname = current_database()").Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners: %v", killed, err)
	}
	if c := wait(t, sub, "the re-read after a reconnection"); !c.State {
		t.Errorf("after reconnecting got %+v, want a full re-read", c)
	}
	if err := Notify(ctx, store.Pool, "run-1", Change{Seq: 9}); err != nil {
		t.Fatal(err)
	}
	if c := wait(t, sub, "a notification after the reconnection"); c.Seq != 9 {
		t.Errorf("got %+v, want seq 9", c)
	}
}

func TestListenerChecksAnIdleConnection(t *testing.T) {
	store := pgtest.MustStore(t)
	defer func(d time.Duration) { idleCheck = d }(idleCheck)
	idleCheck = 20 * time.Millisecond
	hub := NewHub()
	l := Listen(store.Pool.Config().ConnConfig, hub, slog.New(slog.DiscardHandler))
	defer l.Stop()
	sub := hub.Subscribe("run-1")
	defer sub.Close()
	<-l.Ready()
	wait(t, sub, "the first LISTEN")
	// Several idle checks pass without losing the connection or a notification.
	for l.idleChecks.Load() < 3 {
		select {
		case <-sub.Wake():
			t.Fatal("an idle check woke viewers: it reconnected")
		case <-time.After(idleCheck):
		}
	}
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, store.Pool.Config().ConnConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := Notify(ctx, conn, "run-1", Change{Seq: 3}); err != nil {
		t.Fatal(err)
	}
	if c := wait(t, sub, "a notification after idle checks"); c.Seq != 3 {
		t.Errorf("got %+v", c)
	}
	select {
	case <-sub.Wake():
		t.Error("an idle check woke viewers: it reconnected")
	default:
	}
}

func TestStoppedListenerLeavesNoGoroutine(t *testing.T) {
	store := pgtest.MustStore(t)
	hub := NewHub()
	l := Listen(store.Pool.Config().ConnConfig, hub, slog.New(slog.DiscardHandler))
	<-l.Ready()
	l.Stop()
	// Stop returns once the listener's goroutine has closed done; the
	// goroutine may still be on its way out for a moment after, so the
	// check waits for it to be gone, and fails if it stays.
	buf := make([]byte, 1<<20)
	var stacks string
	gone := func() bool {
		stacks = string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "runevents.(*Listener)")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !gone() && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if !gone() {
		t.Errorf("a listener goroutine outlived Stop:\n%s", stacks)
	}
}
