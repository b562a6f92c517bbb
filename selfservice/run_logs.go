package selfservice

// Reading a run's log: stored lines first, then those its workflow holds.

import (
	"context"
	"math"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
)

// Log pages hold up to MaxLogPage lines; DefaultLogPage when the caller
// names no size.
const (
	DefaultLogPage = 1000
	MaxLogPage     = 1000
)

// LogPage is a page of a run's log lines, in order.
type LogPage struct {
	Lines []runs.LogLine
	// More says lines exist beyond this page in the direction paged: after
	// the last line for RunLogs, before the first for RunLogsBefore.
	More bool
}

// Logs returns lines after afterSeq, stored ones first, then those the
// workflow holds but has not stored yet, so a reader never misses a line.
func (s *Service) Logs(ctx context.Context, actor slipway.User, id string, afterSeq int64, limit int) (LogPage, error) {
	if afterSeq < 0 {
		return LogPage{}, slipway.FieldError("after_seq", "must not be negative")
	}
	if limit < 0 {
		return LogPage{}, slipway.FieldError("limit", "must not be negative (0 asks for %d lines)", DefaultLogPage)
	}
	run, err := s.View(ctx, actor, id)
	if err != nil {
		return LogPage{}, err
	}
	return s.RunLogs(ctx, run, afterSeq, limit)
}

// RunLogs is Logs for a run already loaded with Get: the live state Get
// queried supplies the unstored lines, so no second workflow query is made.
func (s *Service) RunLogs(ctx context.Context, run Run, afterSeq int64, limit int) (LogPage, error) {
	runID, err := uuid.Parse(run.ID)
	if err != nil {
		return LogPage{}, slipway.FieldError("id", "must be a run id (UUID)")
	}
	limit = logPageSize(limit)
	// One line past the page tells whether there is more.
	rows, err := s.Store.Q.ListRunLogs(ctx, queries.ListRunLogsParams{RunID: runID, AfterSeq: afterSeq, MaxLines: int32(limit + 1)})
	if err != nil {
		return LogPage{}, err
	}
	lines := make([]runs.LogLine, 0, len(rows))
	for _, r := range rows {
		lines = append(lines, runs.LogLine{Seq: r.Seq, Message: r.Message, At: r.CreatedAt})
	}
	if len(rows) <= limit {
		// Every stored line after afterSeq is here; the unstored ones follow.
		lines = append(lines, unstored(run.pending, lastSeq(lines, afterSeq), math.MaxInt64)...)
	}
	if len(lines) > limit {
		return LogPage{Lines: lines[:limit], More: true}, nil
	}
	return LogPage{Lines: lines}, nil
}

// RunLogsBefore pages backwards: the limit lines just before beforeSeq, in
// order; beforeSeq 0 asks for the newest lines, unstored ones included.
func (s *Service) RunLogsBefore(ctx context.Context, run Run, beforeSeq int64, limit int) (LogPage, error) {
	runID, err := uuid.Parse(run.ID)
	if err != nil {
		return LogPage{}, slipway.FieldError("id", "must be a run id (UUID)")
	}
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	limit = logPageSize(limit)
	rows, err := s.Store.Q.ListRunLogsBefore(ctx, queries.ListRunLogsBeforeParams{RunID: runID, BeforeSeq: beforeSeq, MaxLines: int32(limit + 1)})
	if err != nil {
		return LogPage{}, err
	}
	lines := make([]runs.LogLine, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		lines = append(lines, runs.LogLine{Seq: r.Seq, Message: r.Message, At: r.CreatedAt})
	}
	// Unstored lines come after every stored one.
	lines = append(lines, unstored(run.pending, lastSeq(lines, 0), beforeSeq)...)
	if len(lines) > limit {
		return LogPage{Lines: lines[len(lines)-limit:], More: true}, nil
	}
	return LogPage{Lines: lines}, nil
}

func logPageSize(limit int) int {
	if limit <= 0 {
		return DefaultLogPage
	}
	return min(limit, MaxLogPage)
}

// unstored are the pending lines with after < seq < before.
func unstored(pending []runs.LogLine, after, before int64) []runs.LogLine {
	var out []runs.LogLine
	for _, l := range pending {
		if l.Seq > after && l.Seq < before {
			out = append(out, l)
		}
	}
	return out
}

func lastSeq(lines []runs.LogLine, none int64) int64 {
	if len(lines) == 0 {
		return none
	}
	return lines[len(lines)-1].Seq
}
