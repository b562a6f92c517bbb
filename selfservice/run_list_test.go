package selfservice

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// countingDB counts the statements sent through it.
type countingDB struct {
	queries.DBTX
	n atomic.Int64
}

func (c *countingDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n.Add(1)
	return c.DBTX.Query(ctx, sql, args...)
}

func (c *countingDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.n.Add(1)
	return c.DBTX.QueryRow(ctx, sql, args...)
}

func (c *countingDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.n.Add(1)
	return c.DBTX.Exec(ctx, sql, args...)
}

// A page of runs comes with each requester's email in one query, however
// many runs and requesters it holds (the runs page and the approvals inbox
// used to look each requester up).
func TestListGivesRequestersInOneQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	emails := []string{"dev1@example.com", "dev2@example.com", "admin@example.com"}
	want := map[string]string{}
	for i := range 7 {
		u, err := ident.UserByEmail(ctx, emails[i%len(emails)])
		if err != nil {
			t.Fatal(err)
		}
		want[pgtest.InProgressRun(t, store, u.ID, "deploy").String()] = u.Email
	}
	counter := &countingDB{DBTX: store.Pool}
	s := &Service{Store: &db.Store{Pool: store.Pool, Q: queries.New(counter)}}
	list, _, err := s.List(ctx, ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(want) {
		t.Fatalf("%d runs listed, want %d", len(list), len(want))
	}
	for _, run := range list {
		if run.RequesterEmail != want[run.ID] {
			t.Errorf("run %s: requester %q, want %q", run.ID, run.RequesterEmail, want[run.ID])
		}
	}
	if n := counter.n.Load(); n != 1 {
		t.Errorf("%d queries for a page of %d runs, want 1", n, len(list))
	}
}

// An entity's runs include the run that created it (recorded in
// run_entities), not only the DAY-2 runs that ran on it; the blueprint
// keeps another blueprint's entity of the same identifier out.
func TestEntityRunsIncludeTheRunThatWroteIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := ident.UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	creator := pgtest.InProgressRun(t, store, u.ID, "create-env")
	pgtest.InProgressRun(t, store, u.ID, "unrelated")
	s := &Service{Store: store}
	if err := s.RecordAffected(ctx, creator.String(), "environment", "dev", "UPSERT"); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.List(ctx, ListFilter{Entity: "dev", EntityBlueprint: "environment"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != creator.String() {
		t.Errorf("environment dev's runs: %+v, want only the run that created it", list)
	}
	if list, _, _ := s.List(ctx, ListFilter{Entity: "dev", EntityBlueprint: "service"}); len(list) != 0 {
		t.Errorf("service dev's runs: %+v, want none", list)
	}
}
