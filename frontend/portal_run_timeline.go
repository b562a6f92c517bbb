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

// timeline is a run's moments with the time since the moment before:
// what the audit log recorded of it (the request, each decision, each
// backend report, a cancel, the end), and what it waits for now. A run
// without recorded events (written before they were) shows what its row
// holds: the request, the decisions and the end.
func timeline(run selfservice.Run, events []selfservice.RunEvent) []views.TimelineEntry {
	var out []views.TimelineEntry
	add := func(at time.Time, what string, now bool) {
		e := views.TimelineEntry{At: at, What: what, Now: now}
		if len(out) > 0 {
			e.Since = roundDuration(at.Sub(out[len(out)-1].At))
		}
		out = append(out, e)
	}
	if len(events) == 0 {
		add(run.CreatedAt, "Requested by "+run.RequesterEmail+" via "+run.Origin, false)
		for _, d := range run.Approvals {
			add(d.At, decisionText(d.Approved, d.Approver, d.Reason), false)
		}
		if run.EndedAt != nil {
			add(*run.EndedAt, endText(run.Status, run.StatusLabel), false)
		}
	}
	for _, e := range events {
		add(e.At, eventText(e), false)
	}
	switch {
	case run.Status == runs.StatusWaitingForApproval:
		add(out[len(out)-1].At, "Waiting for a decision from "+strings.Join(run.Approvers, ", "), true)
	case !run.Status.Ended():
		add(out[len(out)-1].At, "In progress: waiting for the backend to report", true)
	}
	return out
}

// eventText says what a recorded event did, in people's words.
func eventText(e selfservice.RunEvent) string {
	text := func(k string) string { v, _ := e.After[k].(string); return v }
	switch e.Verb {
	case "execute":
		return "Requested by " + e.Actor + " via " + e.Origin
	case "approve", "decline":
		return decisionText(e.Verb == "approve", e.Actor, text("reason"))
	case "cancel":
		what := "Cancelled by " + e.Actor
		if r := text("reason"); r != "" {
			what += ": " + r
		}
		return what
	case "end":
		return endText(runs.Status(text("status")), text("statusLabel"))
	case "report":
		what := "The backend reported"
		if st := text("status"); st != "" {
			what += " " + st
		}
		if l := text("statusLabel"); l != "" {
			what += ": " + l
		}
		return what
	}
	return e.Verb + " by " + e.Actor
}

func decisionText(approved bool, approver, reason string) string {
	what := "Declined by " + approver
	if approved {
		what = "Approved by " + approver
	}
	if reason != "" {
		what += ": " + reason
	}
	return what
}

func endText(status runs.Status, label string) string {
	what := "Ended " + string(status)
	if label != "" {
		what += ": " + label
	}
	return what
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
	titles, err := s.SelfService.ActionTitles(ctx)
	if err != nil {
		slog.WarnContext(ctx, "list actions for their titles", "err", err)
		return nil
	}
	return titles
}
