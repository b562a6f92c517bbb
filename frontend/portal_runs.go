package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

func (s *Server) runPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	run, err := s.SelfService.View(r.Context(), currentUser(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	view := s.runView(r, shell, run)
	// The newest lines; earlier ones load as the reader scrolls up.
	newest, err := s.SelfService.RunLogsBefore(r.Context(), run, 0, selfservice.DefaultLogPage)
	if err != nil {
		return err
	}
	view.Logs = logPage(newest.Lines)
	view.Logs.Earlier = newest.More
	view.Logs.Follow = !view.Ended
	shell.Title, shell.Active = "Run of "+view.Action, "runs"
	return render(w, r, http.StatusOK, views.RunPage(shell, view))
}

// runLive is the run page's status part alone; the page itself gets it
// pushed from the run's event stream (runEventStream).
func (s *Server) runLive(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	run, err := s.SelfService.View(r.Context(), currentUser(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.RunLive(s.runView(r, shell, run)))
}

// runLogs answers the run page's log fragments: with before_seq, the page
// of lines before it (the reader scrolled up); else the lines after
// after_seq (a catch-up; the page itself follows through runEventStream).
func (s *Server) runLogs(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	q := r.URL.Query()
	before, err := seqParam(q, "before_seq")
	if err != nil {
		return err
	}
	after, err := seqParam(q, "after_seq")
	if err != nil {
		return err
	}
	if q.Has("before_seq") && q.Has("after_seq") {
		return slipway.FieldError("before_seq", "cannot be combined with after_seq")
	}
	run, err := s.SelfService.View(r.Context(), currentUser(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	if q.Has("before_seq") {
		page, err := s.SelfService.RunLogsBefore(r.Context(), run, before, selfservice.DefaultLogPage)
		if err != nil {
			return err
		}
		p := logPage(page.Lines)
		p.Earlier = page.More
		return render(w, r, http.StatusOK, views.EarlierLogLines(run.ID, p))
	}
	page, err := s.SelfService.RunLogs(r.Context(), run, after, selfservice.DefaultLogPage)
	if err != nil {
		return err
	}
	p := logPage(page.Lines)
	if len(page.Lines) == 0 {
		p.AfterSeq = after
	}
	// Keep following while the run goes on, or until its last lines are in.
	p.Follow, p.Behind = !run.Status.Ended() || page.More, page.More
	return render(w, r, http.StatusOK, views.NewLogLines(run.ID, p))
}

// seqParam reads an optional log sequence number from the query.
func seqParam(q url.Values, name string) (int64, error) {
	if !q.Has(name) {
		return 0, nil
	}
	n, err := strconv.ParseInt(q.Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0, slipway.FieldError(name, "must be a log line's sequence number (a whole number, 0 or more)")
	}
	return n, nil
}

// logPage shapes lines for the page, noting the first and last shown.
func logPage(lines []runs.LogLine) views.LogPage {
	p := views.LogPage{Lines: make([]views.LogView, 0, len(lines))}
	for _, l := range lines {
		p.Lines = append(p.Lines, views.LogView{Seq: l.Seq, Message: l.Message, At: l.At})
	}
	if len(lines) > 0 {
		p.BeforeSeq, p.AfterSeq = lines[0].Seq, lines[len(lines)-1].Seq
	}
	return p
}

// runView shapes a run for its page and the live fragment (logs apart).
func (s *Server) runView(r *http.Request, shell views.Shell, run selfservice.Run) views.RunView {
	ctx := r.Context()
	me := currentUser(ctx)
	v := views.RunView{
		ID: run.ID, Action: run.Action, Status: string(run.Status), StatusLabel: run.StatusLabel, Summary: run.Summary,
		Requester: run.RequesterEmail, Entity: run.Entity, Origin: run.Origin, WorkflowID: run.WorkflowID,
		Links: run.Links, Created: run.CreatedAt, Ended: run.Status.Ended(), CSRF: shell.CSRF,
	}
	v.TemporalURL = s.temporalWorkflowURL(me, run.WorkflowID)
	v.ActionID, v.Blueprint = run.Action, run.Blueprint
	var secret map[string]bool
	if d, err := s.SelfService.GetAction(ctx, run.Action); err == nil {
		secret = secretInputs(d)
		v.Action = str(d.Title, d.Identifier)
		v.ActionIcon = d.Icon
		v.CanRerun = selfservice.Published(d) && selfservice.MayRun(me, d)
	}
	v.Inputs = inputRows(run.Inputs, secret)
	for _, d := range run.Approvals {
		v.Decisions = append(v.Decisions, views.DecisionView{Approver: d.Approver, Approved: d.Approved, Reason: d.Reason, At: d.At})
	}
	if run.Status == runs.StatusWaitingForApproval {
		v.WaitingOn = run.Approvers
	}
	v.CanDecide = run.AwaitsDecisionFrom(me.Email)
	v.CanCancel = !v.Ended && (run.RequestedBy == me.ID || me.IsAdmin())
	for _, a := range run.Affected {
		v.Affected = append(v.Affected, views.AffectedView{Blueprint: a.Blueprint, Identifier: a.Identifier, Operation: a.Operation})
	}
	// The timeline changes with the run's state, so the live part shows it:
	// one indexed read per change of state, not per log line.
	events, err := s.SelfService.RunHistory(ctx, run)
	if err != nil {
		slog.WarnContext(ctx, "read the run's history for its timeline", "run", run.ID, "err", err)
	}
	v.Timeline = timeline(run, events)
	return v
}

func (s *Server) decideRun(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	// The inbox decides in place (htmx) and gets the run's card back; the
	// run page's plain form is redirected to the run.
	if r.Header.Get("HX-Request") == "true" && r.PostFormValue("from") == "approvals" {
		return s.decideInline(w, r, shell)
	}
	approve := r.PostFormValue("decision") == "approve"
	if _, err := s.SelfService.Decide(r.Context(), currentUser(r.Context()), r.PathValue("id"), approve, r.PostFormValue("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, "/runs/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if _, err := s.SelfService.Cancel(r.Context(), currentUser(r.Context()), r.PathValue("id"), r.PostFormValue("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, "/runs/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

func (s *Server) runsPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title, shell.Active = "Runs", "runs"
	q := r.URL.Query()
	filter := views.RunFilter{Action: q.Get("action"), Status: q.Get("status"), Requester: q.Get("requester"), Active: q.Get("active") == "true",
		Statuses: statusNames()}
	list, _, err := s.SelfService.List(r.Context(), selfservice.ListFilter{Action: filter.Action, Status: runs.Status(filter.Status),
		RequesterEmail: filter.Requester, ActiveOnly: filter.Active, PageSize: 100, Viewer: new(currentUser(r.Context()))})
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.RunsPage(shell, "Runs", s.runRows(r.Context(), list), "No runs match.", &filter))
}

func (s *Server) runRows(ctx context.Context, list []selfservice.Run) []views.RunRow {
	titles := s.actionTitles(ctx)
	rows := make([]views.RunRow, 0, len(list))
	for _, run := range list {
		rows = append(rows, views.RunRow{ID: run.ID, Action: str(titles[run.Action], run.Action), Status: string(run.Status), StatusLabel: run.StatusLabel, Requester: run.RequesterEmail, Created: run.CreatedAt})
	}
	return rows
}

// secretInputs names d's inputs that are encrypted: never shown.
func secretInputs(d actions.Definition) map[string]bool {
	secret := map[string]bool{}
	for name, in := range d.Trigger.UserInputs.Properties {
		secret[name] = in["encryption"] != nil
	}
	return secret
}

// inputRows are a run's inputs in name order, secret ones masked.
func inputRows(inputs map[string]any, secret map[string]bool) []views.KV {
	keys := make([]string, 0, len(inputs))
	for k := range inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([]views.KV, 0, len(keys))
	for _, k := range keys {
		val := displayValue(inputs[k])
		if secret[k] {
			val = "••••••"
		}
		rows = append(rows, views.KV{Key: k, Value: val})
	}
	return rows
}

func displayValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, "\n")
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// statusNames are the run statuses the runs page filters by.
func statusNames() []string {
	names := make([]string, len(runs.Statuses))
	for i, st := range runs.Statuses {
		names[i] = string(st)
	}
	return names
}

func str(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}
