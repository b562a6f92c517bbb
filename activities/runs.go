package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/gen/queries"
)

// SaveRunInput is the run row as the workflow sees it.
type SaveRunInput struct {
	RunID         string
	Version       int64
	Status        string
	StatusLabel   string
	Links         []string
	Summary       string
	ExternalRunID string
	Approvals     any
	LogCount      int64
	EndedAt       *time.Time
}

// SaveRun writes the workflow's state to the run row. An older version
// (a slow retry) never overwrites a newer one.
func (a *Activities) SaveRun(ctx context.Context, in SaveRunInput) error {
	id, err := uuid.Parse(in.RunID)
	if err != nil {
		return err
	}
	links, _ := json.Marshal(nonNil(in.Links))
	approvals, _ := json.Marshal(in.Approvals)
	n, err := a.Store.Q.SaveRunState(ctx, queries.SaveRunStateParams{
		ID: id, Version: in.Version, Status: in.Status, StatusLabel: in.StatusLabel, Links: links,
		Summary: in.Summary, ExternalRunID: in.ExternalRunID, Approvals: approvals, LogCount: in.LogCount,
		EndedAt: in.EndedAt,
	})
	if err == nil && n == 1 && in.EndedAt != nil {
		// The end of a run is a change of its own, whoever caused it (a
		// timeout, an expiry, a backend): recorded once, by the save that wrote it.
		a.Audit.Note(audit.WithRun(ctx, in.RunID), slipway.User{}, "end", audit.ResourceRun, in.RunID, nil,
			map[string]any{"status": in.Status, "statusLabel": in.StatusLabel})
	}
	return err
}

// AppendRunLogsInput is a batch of log lines.
type AppendRunLogsInput struct {
	RunID string
	Lines []LogLine
}

// LogLine mirrors workflows.LogLine (activities do not import workflows).
type LogLine struct {
	Seq     int64     `json:"seq"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// AppendRunLogs stores a batch of lines; a retried batch is stored once.
func (a *Activities) AppendRunLogs(ctx context.Context, in AppendRunLogsInput) error {
	id, err := uuid.Parse(in.RunID)
	if err != nil {
		return err
	}
	if len(in.Lines) == 0 {
		return nil
	}
	p := queries.InsertRunLogsParams{RunID: id}
	for _, l := range in.Lines {
		p.Seqs = append(p.Seqs, l.Seq)
		p.Messages = append(p.Messages, l.Message)
		p.Times = append(p.Times, l.At)
	}
	if err := a.Store.Q.InsertRunLogs(ctx, p); err != nil {
		return fmt.Errorf("store %d log lines: %w", len(in.Lines), err)
	}
	return a.Store.Q.SetRunLogCount(ctx, queries.SetRunLogCountParams{ID: id, LogCount: in.Lines[len(in.Lines)-1].Seq})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
