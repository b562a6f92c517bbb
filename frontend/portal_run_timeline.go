package frontend

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

// timeline is a run's moments, from what its row records: the request,
// each approver's decision, what it waits for now, and its end, each with
// the time since the moment before.
func timeline(run selfservice.Run) []views.TimelineEntry {
	var out []views.TimelineEntry
	add := func(at time.Time, what string, now bool) {
		e := views.TimelineEntry{At: at, What: what, Now: now}
		if len(out) > 0 {
			e.Since = roundDuration(at.Sub(out[len(out)-1].At))
		}
		out = append(out, e)
	}
	add(run.CreatedAt, "Requested by "+run.RequesterEmail+" via "+run.Origin, false)
	for _, d := range run.Approvals {
		verb := "Declined by "
		if d.Approved {
			verb = "Approved by "
		}
		what := verb + d.Approver
		if d.Reason != "" {
			what += ": " + d.Reason
		}
		add(d.At, what, false)
	}
	switch {
	case run.Status == runs.StatusWaitingForApproval:
		add(out[len(out)-1].At, "Waiting for a decision from "+strings.Join(run.Approvers, ", "), true)
	case run.EndedAt != nil:
		what := "Ended " + string(run.Status)
		if run.StatusLabel != "" {
			what += ": " + run.StatusLabel
		}
		add(*run.EndedAt, what, false)
	default:
		add(run.UpdatedAt, "In progress: the backend was called", true)
	}
	return out
}

// roundDuration says d to the precision a reader needs.
func roundDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// actionTitles are the actions' titles by identifier, for lists of runs.
func (s *Server) actionTitles(ctx context.Context) map[string]string {
	defs, err := s.SelfService.ListActions(ctx, "")
	if err != nil {
		slog.WarnContext(ctx, "list actions for their titles", "err", err)
		return nil
	}
	out := make(map[string]string, len(defs))
	for _, d := range defs {
		out[d.Identifier] = d.Title
	}
	return out
}
