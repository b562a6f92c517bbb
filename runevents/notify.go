package runevents

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Channel is the one PostgreSQL channel run changes are notified on.
const Channel = "slipway_run_events"

// Execer runs a statement: a pool, a connection or a transaction (whose
// notification PostgreSQL sends on commit).
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Notify tells every web process that runID changed. Callers notify after
// the change is visible to readers (the row written, the update
// completed), so that a woken viewer reads it.
func Notify(ctx context.Context, db Execer, runID string, c Change) error {
	_, err := db.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, payload(runID, c))
	return err
}

// Announce is Notify for a change already made: it goes on when its
// caller has gone, waits at most five seconds, and only logs a failure,
// since viewers find a change they were not told of at their next safety
// poll. The web process (after an update) and the worker (after a write)
// both announce this way.
func Announce(ctx context.Context, db Execer, runID string, c Change) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := Notify(ctx, db, runID, c); err != nil {
		slog.WarnContext(ctx, "run change not notified; live pages see it at their next safety poll", "run", runID, "err", err)
	}
}

// payload is "<run id> <seq> state|lines": small, and readable in psql.
func payload(runID string, c Change) string {
	kind := "lines"
	if c.State {
		kind = "state"
	}
	return runKey(runID) + " " + strconv.FormatInt(c.Seq, 10) + " " + kind
}

// parsePayload reads a payload; anything it does not recognise after the
// run id is taken as a change of state, which makes viewers re-read all.
func parsePayload(p string) (runID string, c Change, ok bool) {
	fields := strings.Fields(p)
	if len(fields) == 0 {
		return "", Change{}, false
	}
	runID, c = fields[0], Change{State: true}
	if len(fields) == 3 {
		seq, err := strconv.ParseInt(fields[1], 10, 64)
		if err == nil && seq >= 0 && (fields[2] == "lines" || fields[2] == "state") {
			c = Change{Seq: seq, State: fields[2] == "state"}
		}
	}
	return runID, c, true
}
