package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runevents"
	"github.com/slipwayhq/slipway/runs"
)

// SaveRunInput is the run row as the workflow sees it.
type SaveRunInput struct {
	RunID         string
	Version       int64
	Status        runs.Status
	StatusLabel   string
	Links         []string
	Summary       string
	ExternalRunID string
	Approvals     []runs.Decision
	LogCount      int64
	EndedAt       *time.Time
	// Stage is the current approval stage and StageApprovers its
	// approvers, who may decide now: the inbox reads them from the row.
	Stage          int
	StageApprovers []string
}

// SaveRun writes the workflow's state to the run row. An older version
// (a slow retry) never overwrites a newer one.
//
// The row must always reach the workflow's state, the final one above all
// (else the run stays "active" for ever): text a request put in (labels,
// summaries, links, approvers' reasons) is scrubbed so PostgreSQL takes it,
// and every other failure, even one db.Permanent calls permanent, is
// retried until the row is written: it can only be Slipway's own bug or
// the database's state, which an operator fixes while the activity waits.
func (a *Activities) SaveRun(ctx context.Context, in SaveRunInput) error {
	id, err := uuid.Parse(in.RunID)
	if err != nil {
		return malformedRunID(in.RunID, err)
	}
	p := runStateParams(id, in)
	var saved []queries.SaveRunStateRow
	err = a.Store.Change(ctx, func(tx db.Tx) error {
		var err error
		if saved, err = tx.SaveRunState(ctx, p); err != nil || len(saved) == 0 {
			return err
		}
		// Sent when the save commits, so a viewer it wakes reads the row
		// as saved; in the transaction, it costs no round trip of its own.
		if err := runevents.Notify(ctx, tx.PG, in.RunID, runevents.Change{Seq: in.LogCount, State: true}); err != nil {
			return err
		}
		// Approvers' "approval needed" notices clear once their stage is
		// decided, whoever decided it (or the run expired or was cancelled).
		// A run that never needed approval has no approvers and no such
		// notice: its saves skip the statement.
		if len(in.StageApprovers) > 0 || len(in.Approvals) > 0 {
			if _, err := tx.ClearDecidedApprovalNotices(ctx, id); err != nil {
				return err
			}
		}
		if in.EndedAt == nil {
			return nil
		}
		// The end of a run is a change of its own, whoever caused it (a
		// timeout, an expiry, a backend): recorded once, with the save that wrote it.
		return audit.Note(audit.WithRun(ctx, in.RunID), tx, slipway.User{}, "end", audit.ResourceRun, in.RunID, nil,
			map[string]any{"status": in.Status, "statusLabel": p.StatusLabel})
	})
	if err != nil {
		return fmt.Errorf("save run %s: %w", in.RunID, err)
	}
	if len(saved) == 0 {
		return nil
	}
	if in.EndedAt != nil && a.Metrics != nil {
		// Counted where the row first records the end, so retried saves
		// and replays count it once.
		a.Metrics.RunEnded(ctx, saved[0].ActionIdentifier, string(in.Status), in.EndedAt.Sub(saved[0].CreatedAt))
	}
	return nil
}

// runStateParams is the row's update, its text scrubbed.
func runStateParams(id uuid.UUID, in SaveRunInput) queries.SaveRunStateParams {
	links, _ := json.Marshal(db.TextList(in.Links))
	approvals, _ := json.Marshal(in.Approvals)
	return queries.SaveRunStateParams{
		ID: id, Version: in.Version, Status: in.Status, StatusLabel: db.ScrubText(in.StatusLabel, db.MaxText),
		Links: db.ScrubJSON(links), Summary: db.ScrubText(in.Summary, db.MaxText),
		ExternalRunID: db.ScrubText(in.ExternalRunID, db.MaxIndexedText), Approvals: db.ScrubJSON(approvals),
		LogCount: in.LogCount, EndedAt: in.EndedAt, Stage: int32(in.Stage), StageApprovers: db.TextList(in.StageApprovers),
	}
}

// AppendRunLogsInput is a batch of log lines.
type AppendRunLogsInput struct {
	RunID string
	Lines []runs.LogLine
}

// AppendRunLogs stores a batch of lines; a retried batch is stored once.
// Lines are scrubbed (a NUL or invalid UTF-8 from a backend becomes U+FFFD),
// so no line can hold the batch back; what PostgreSQL still refuses (the
// run's row is gone) ends the activity non-retryable, and the workflow
// goes on without the batch.
func (a *Activities) AppendRunLogs(ctx context.Context, in AppendRunLogsInput) error {
	id, err := uuid.Parse(in.RunID)
	if err != nil {
		return malformedRunID(in.RunID, err)
	}
	if len(in.Lines) == 0 {
		return nil
	}
	p := queries.InsertRunLogsParams{RunID: id}
	for _, l := range in.Lines {
		p.Seqs = append(p.Seqs, l.Seq)
		p.Messages = append(p.Messages, db.ScrubText(l.Message, db.MaxText))
		p.Times = append(p.Times, l.At)
	}
	if err := a.Store.Q.InsertRunLogs(ctx, p); err != nil {
		return storageError(fmt.Sprintf("store %d log lines", len(in.Lines)), err)
	}
	if err := a.Store.Q.SetRunLogCount(ctx, queries.SetRunLogCountParams{ID: id, LogCount: in.Lines[len(in.Lines)-1].Seq}); err != nil {
		return storageError("count log lines", err)
	}
	runevents.Announce(ctx, a.Store.Pool, in.RunID, runevents.Change{Seq: in.Lines[len(in.Lines)-1].Seq})
	return nil
}
