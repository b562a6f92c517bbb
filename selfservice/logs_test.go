package selfservice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// checkLines fails unless lines are seq from..to, in order.
func checkLines(t *testing.T, what string, lines []runs.LogLine, from, to int64) {
	t.Helper()
	if int64(len(lines)) != to-from+1 {
		t.Fatalf("%s: %d lines, want %d..%d", what, len(lines), from, to)
	}
	for i, l := range lines {
		if want := from + int64(i); l.Seq != want || (l.Message != fmt.Sprintf("line %d", want) && l.Message != fmt.Sprintf("pending %d", want)) {
			t.Fatalf("%s: line %d is seq %d %q, want %d", what, i, l.Seq, l.Message, want)
		}
	}
}

func TestLogsPagePastTheFirstThousandLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(t)
	dev1 := pgtest.MustUser(t, ident, "dev1@example.com")
	s := &Service{Store: store}
	id := pgtest.EndedRun(t, store, dev1.ID, "deploy", 2500).String()

	// Forward, as ListRunLogs pages: the default page size, until no more.
	var all []runs.LogLine
	after, pages := int64(0), 0
	for {
		page, err := s.Logs(ctx, dev1, id, after, 0)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page.Lines...)
		if len(page.Lines) > DefaultLogPage {
			t.Fatalf("page of %d lines", len(page.Lines))
		}
		if !page.More {
			break
		}
		after = page.Lines[len(page.Lines)-1].Seq
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	checkLines(t, "all pages", all, 1, 2500)
	if pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
	// A page that ends exactly at the last line says there is no more.
	page, err := s.Logs(ctx, dev1, id, 1500, 1000)
	if err != nil || page.More {
		t.Errorf("lines 1501..2500: more=%v err=%v", page.More, err)
	}
	// A limit above the maximum is capped, and says there is more.
	if page, err := s.Logs(ctx, dev1, id, 0, 5000); err != nil || len(page.Lines) != MaxLogPage || !page.More {
		t.Errorf("limit 5000: %d lines, more=%v, err=%v", len(page.Lines), page.More, err)
	}
	for _, bad := range []struct {
		after int64
		limit int
		field string
	}{{-1, 0, "after_seq"}, {0, -5, "limit"}} {
		_, err := s.Logs(ctx, dev1, id, bad.after, bad.limit)
		var e *slipway.Error
		if !errors.As(err, &e) || e.Code != slipway.CodeInvalid || e.Field != bad.field {
			t.Errorf("after %d limit %d: %v, want invalid_argument on %s", bad.after, bad.limit, err, bad.field)
		}
	}

	// Backward, as the run page scrolls up from the newest lines.
	run, err := s.View(ctx, dev1, id)
	if err != nil {
		t.Fatal(err)
	}
	newest, err := s.RunLogsBefore(ctx, run, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "newest", newest.Lines, 1501, 2500)
	earlier, _ := s.RunLogsBefore(ctx, run, 1501, 1000)
	checkLines(t, "earlier", earlier.Lines, 501, 1500)
	first, _ := s.RunLogsBefore(ctx, run, 501, 1000)
	checkLines(t, "first", first.Lines, 1, 500)
	if !newest.More || !earlier.More || first.More {
		t.Errorf("more before: newest %v, earlier %v, first %v; want true, true, false", newest.More, earlier.More, first.More)
	}

	// An active run's lines the workflow holds but has not stored yet
	// follow the stored ones in both directions.
	run.pending = []runs.LogLine{{Seq: 2500, Message: "line 2500"}, {Seq: 2501, Message: "pending 2501"}, {Seq: 2502, Message: "pending 2502"}}
	tail, _ := s.RunLogs(ctx, run, 2000, 1000)
	checkLines(t, "tail with pending", tail.Lines, 2001, 2502)
	if tail.More {
		t.Error("tail with pending says there is more")
	}
	cut, _ := s.RunLogs(ctx, run, 2499, 2)
	checkLines(t, "pending cut by the limit", cut.Lines, 2500, 2501)
	if !cut.More {
		t.Error("a page cut inside the pending lines says there is no more")
	}
	newest, _ = s.RunLogsBefore(ctx, run, 0, 1000)
	checkLines(t, "newest with pending", newest.Lines, 1503, 2502)
}
