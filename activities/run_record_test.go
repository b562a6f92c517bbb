package activities_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// The starter and the run's workflow write the same row at the same moment:
// one of them writes it, the other changes nothing, and neither fails
// (the row has two unique columns, id and token hash, and a conflict on
// either is the same run).
func TestConcurrentWritesOfOneRunRowWriteItOnce(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	dev, err := ident.UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		token, _ := identity.NewRunToken()
		rec := runs.Record{
			RunID: uuid.NewString(), Action: actions.Definition{Identifier: "deploy"}, Status: "IN_PROGRESS",
			RequesterID: dev.ID.String(), RequesterEmail: dev.Email, Origin: "API", RunToken: token, VisibleToAll: true,
			CreatedAt: time.Now().UTC(),
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		inserted := 0
		for range 8 {
			wg.Go(func() {
				_, ok, err := selfservice.InsertRun(ctx, store, rec)
				if err != nil {
					t.Errorf("round %d: %v", round, err)
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					inserted++
				}
			})
		}
		wg.Wait()
		if inserted != 1 {
			t.Fatalf("round %d: the row was inserted %d times", round, inserted)
		}
		var executes int
		if err := store.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE run_id = $1 AND verb = 'execute'", rec.RunID).Scan(&executes); err != nil || executes != 1 {
			t.Fatalf("round %d: %d execute events (%v)", round, executes, err)
		}
	}
}
