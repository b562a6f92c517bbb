package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/workflows"
)

func (s *Server) selfServicePage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title, shell.Active = "Self-service", "self-service"
	defs, err := s.SelfService.ListActions(r.Context(), "")
	if err != nil {
		return err
	}
	cards := make([]views.ActionCard, 0, len(defs))
	me := currentUser(r.Context())
	for _, d := range defs {
		// Day-2 actions show here too; ownedByTeam is judged on the entity page.
		if (d.Publish != nil && !*d.Publish) || !selfservice.MayRun(me, d) {
			continue
		}
		cards = append(cards, actionCard(d))
	}
	return render(w, r, http.StatusOK, views.SelfServicePage(shell, cards))
}

func (s *Server) executePage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	// An action the user may not run is not found: its form would show it.
	d, err := s.SelfService.ViewAction(r.Context(), currentUser(r.Context()), r.PathValue("action"))
	if err != nil {
		return err
	}
	shell.Title, shell.Active = d.Title, "self-service"
	form, err := s.executeForm(r, d, nil, nil)
	if err != nil {
		return err
	}
	if form.EntityField != nil {
		form.EntityField.Value = r.URL.Query().Get("entity") // from an entity page
	}
	return render(w, r, http.StatusOK, views.ExecutePage(shell, form))
}

// execute starts a run from the form; invalid input comes back inline by field.
func (s *Server) execute(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	// An action the user may not run is not found: its form would show it.
	d, err := s.SelfService.ViewAction(r.Context(), currentUser(r.Context()), r.PathValue("action"))
	if err != nil {
		return err
	}
	shell.Title, shell.Active = d.Title, "self-service"
	inputs, parseErrs := formInputs(r, d)
	var run selfservice.Run
	if len(parseErrs) == 0 {
		run, err = s.SelfService.Execute(r.Context(), currentUser(r.Context()), d.Identifier, strings.TrimSpace(r.PostFormValue(entityFieldName)), inputs, selfservice.OriginUI)
		if err == nil {
			http.Redirect(w, r, "/runs/"+run.ID, http.StatusSeeOther)
			return nil
		}
		if slipway.ErrorCode(err) != slipway.CodeInvalid && slipway.ErrorCode(err) != slipway.CodePrecondition {
			return err
		}
	}
	fieldErrs := map[string]string{}
	for k, v := range parseErrs {
		fieldErrs[k] = v
	}
	formErr := ""
	if err != nil {
		var e *slipway.Error
		if errors.As(err, &e) {
			vs := e.Violations
			if len(vs) == 0 && e.Field != "" {
				vs = []slipway.Violation{{Field: e.Field, Message: e.Message}}
			}
			for _, v := range vs {
				name := strings.TrimPrefix(v.Field, "inputs.")
				if name == "entity" {
					name = entityFieldName
				}
				if _, dup := fieldErrs[name]; !dup {
					fieldErrs[name] = v.Message
				}
			}
			if len(vs) == 0 {
				formErr = e.Error()
			}
		}
	}
	form, ferr := s.executeForm(r, d, r.PostForm, fieldErrs)
	if ferr != nil {
		return ferr
	}
	form.FormError = formErr
	return render(w, r, http.StatusUnprocessableEntity, views.ExecutePage(shell, form))
}

func (s *Server) executeForm(r *http.Request, d actions.Definition, values map[string][]string, errs map[string]string) (views.ExecuteForm, error) {
	f := views.ExecuteForm{Action: actionCard(d)}
	if d.Trigger.Operation != actions.OperationCreate {
		f.EntityField = &views.FormField{
			Name: entityFieldName, Label: "Entity", Required: true, Widget: "entity",
			Description: "The " + d.Trigger.BlueprintIdentifier + " this run works on.",
			Value:       first(values[entityFieldName]), Error: errs[entityFieldName],
			ChoicesURL: choicesURL(d.Identifier, entityFieldName),
		}
	}
	var users, teams []string
	required := map[string]bool{}
	for _, n := range d.Trigger.UserInputs.Required {
		required[n] = true
	}
	for _, name := range inputOrder(d) {
		in := d.Trigger.UserInputs.Properties[name]
		fld := views.FormField{Name: name, Label: str(in["title"], name), Description: str(in["description"], ""), Required: required[name], Error: errs[name]}
		typ, format := str(in["type"], ""), str(in["format"], "")
		switch {
		case typ == "boolean":
			fld.Widget = "checkbox"
		case typ == "number":
			fld.Widget = "number"
		case typ == "array" || typ == "object" || format == "multi-line" || format == "markdown" || format == "yaml":
			fld.Widget = "textarea"
		case format == "entity":
			fld.Widget, fld.ChoicesURL = "entity", choicesURL(d.Identifier, name)
		case format == "user" || format == "team":
			fld.Widget = "select"
			if users == nil && format == "user" {
				all, err := s.Identity.Users(r.Context())
				if err != nil {
					return f, err
				}
				for _, u := range all {
					users = append(users, u.Email)
				}
			}
			if format == "user" {
				fld.Options = users
			} else {
				if teams == nil {
					ts, err := s.Identity.Teams(r.Context())
					if err != nil {
						return f, err
					}
					for _, t := range ts {
						teams = append(teams, t.Identifier)
					}
				}
				fld.Options = teams
			}
		case in["enum"] != nil:
			fld.Widget = "select"
			if list, ok := in["enum"].([]any); ok {
				for _, o := range list {
					fld.Options = append(fld.Options, fmt.Sprint(o))
				}
			}
		case in["encryption"] != nil:
			fld.Widget = "password"
		case format == "email":
			fld.Widget = "email"
		case format == "url":
			fld.Widget = "url"
		default:
			fld.Widget = "text"
		}
		if values != nil {
			fld.Value = first(values[name])
			fld.Checked = fld.Value == "true"
		} else if def, ok := in["default"]; ok {
			fld.Value = displayValue(def)
			fld.Checked = def == true
		}
		if fld.Widget == "password" {
			fld.Value = "" // never echo secrets back
		}
		f.Fields = append(f.Fields, fld)
	}
	return f, nil
}

// entityFieldName is the form field of a run's own entity; the double
// underscore keeps it apart from the action's inputs.
const entityFieldName = "__entity"

func choicesURL(action, input string) string {
	return "/self-service/" + url.PathEscape(action) + "/choices?input=" + url.QueryEscape(input)
}

// entityChoices answers an entity picker: the entities matching what was
// typed (htmx sends the field under its own name) that the input offers.
func (s *Server) entityChoices(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	input := r.URL.Query().Get("input")
	search := strings.TrimSpace(r.URL.Query().Get(input))
	if input == entityFieldName {
		input = ""
	}
	found, err := s.SelfService.EntityChoices(r.Context(), currentUser(r.Context()), r.PathValue("action"), input, search)
	if err != nil {
		return err
	}
	choices := make([]views.EntityChoice, 0, len(found))
	for _, e := range found {
		choices = append(choices, views.EntityChoice{Identifier: e.Identifier, Title: e.Title, Team: e.Team})
	}
	return render(w, r, http.StatusOK, views.EntityChoices(choices))
}

// formInputs converts form values to typed inputs; what cannot be
// converted is reported by field.
func formInputs(r *http.Request, d actions.Definition) (map[string]any, map[string]string) {
	out, errs := map[string]any{}, map[string]string{}
	for name, in := range d.Trigger.UserInputs.Properties {
		raw := strings.TrimSpace(r.PostFormValue(name))
		typ := str(in["type"], "")
		if typ == "boolean" {
			out[name] = raw == "true"
			continue
		}
		if raw == "" {
			continue // absent: the default applies, or "is required"
		}
		switch typ {
		case "number":
			n, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				errs[name] = "must be a number"
				continue
			}
			out[name] = n
		case "array":
			var list []any
			if strings.HasPrefix(raw, "[") {
				if err := json.Unmarshal([]byte(raw), &list); err != nil {
					errs[name] = "must be a JSON list, or one item per line"
					continue
				}
			} else {
				for _, line := range strings.Split(raw, "\n") {
					if line = strings.TrimSpace(line); line != "" {
						list = append(list, line)
					}
				}
			}
			out[name] = list
		case "object":
			var obj map[string]any
			if err := json.Unmarshal([]byte(raw), &obj); err != nil {
				errs[name] = "must be a JSON object"
				continue
			}
			out[name] = obj
		default:
			out[name] = raw
		}
	}
	return out, errs
}

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
	p.Follow, p.Behind = !workflows.Ended(run.Status) || page.More, page.More
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
func logPage(lines []workflows.LogLine) views.LogPage {
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
		ID: run.ID, Action: run.Action, Status: run.Status, StatusLabel: run.StatusLabel, Summary: run.Summary,
		Requester: run.RequesterEmail, Entity: run.Entity, Origin: run.Origin, WorkflowID: run.WorkflowID,
		Links: run.Links, Created: run.CreatedAt, Ended: workflows.Ended(run.Status), CSRF: shell.CSRF,
	}
	v.TemporalURL = s.temporalWorkflowURL(run.WorkflowID)
	secret := map[string]bool{}
	if d, err := s.SelfService.GetAction(ctx, run.Action); err == nil {
		for name, in := range d.Trigger.UserInputs.Properties {
			secret[name] = in["encryption"] != nil
		}
	}
	keys := make([]string, 0, len(run.Inputs))
	for k := range run.Inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := displayValue(run.Inputs[k])
		if secret[k] {
			val = "••••••"
		}
		v.Inputs = append(v.Inputs, views.KV{Key: k, Value: val})
	}
	for _, d := range run.Approvals {
		v.Decisions = append(v.Decisions, views.DecisionView{Approver: d.Approver, Approved: d.Approved, Reason: d.Reason, At: d.At})
	}
	waiting := run.Status == workflows.StatusWaitingForApproval
	decided := slices.ContainsFunc(run.Approvals, func(d workflows.Decision) bool {
		return d.Stage == run.Stage && strings.EqualFold(d.Approver, me.Email)
	})
	if waiting {
		v.WaitingOn = run.Approvers
	}
	v.CanDecide = waiting && !decided && slices.ContainsFunc(run.Approvers, func(a string) bool { return strings.EqualFold(a, me.Email) })
	v.CanCancel = !v.Ended && (run.RequestedBy == me.ID || me.IsAdmin())
	return v
}

func (s *Server) decideRun(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
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
		Statuses: selfservice.Statuses}
	runs, _, err := s.SelfService.List(r.Context(), selfservice.ListFilter{Action: filter.Action, Status: filter.Status,
		RequesterEmail: filter.Requester, ActiveOnly: filter.Active, PageSize: 100, Viewer: new(currentUser(r.Context()))})
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.RunsPage(shell, "Runs", s.runRows(r, runs), "No runs match.", &filter))
}

// approvalsPage lists the runs waiting for the current user's decision.
func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title, shell.Active = "Approvals", "approvals"
	me := currentUser(r.Context())
	runs, _, err := s.SelfService.List(r.Context(), selfservice.ListFilter{Status: workflows.StatusWaitingForApproval, ActiveOnly: true, PageSize: 200, Viewer: &me, Approver: me.Email})
	if err != nil {
		return err
	}
	var mine []selfservice.Run
	for _, run := range runs {
		full, err := s.SelfService.Get(r.Context(), run.ID)
		if err != nil {
			continue
		}
		decided := slices.ContainsFunc(full.Approvals, func(d workflows.Decision) bool {
			return d.Stage == full.Stage && strings.EqualFold(d.Approver, me.Email)
		})
		if !decided && slices.ContainsFunc(full.Approvers, func(a string) bool { return strings.EqualFold(a, me.Email) }) {
			mine = append(mine, full)
		}
	}
	return render(w, r, http.StatusOK, views.RunsPage(shell, "Approvals", s.runRows(r, mine), "Nothing waits for your approval.", nil))
}

func (s *Server) runRows(r *http.Request, runs []selfservice.Run) []views.RunRow {
	emails := map[string]string{}
	rows := make([]views.RunRow, 0, len(runs))
	for _, run := range runs {
		who := run.RequesterEmail
		if who == "" {
			key := run.RequestedBy.String()
			if e, ok := emails[key]; ok {
				who = e
			} else if u, err := s.Store.Q.GetUser(r.Context(), run.RequestedBy); err == nil {
				who, emails[key] = u.Email, u.Email
			}
		}
		rows = append(rows, views.RunRow{ID: run.ID, Action: run.Action, Status: run.Status, StatusLabel: run.StatusLabel, Requester: who, Created: run.CreatedAt})
	}
	return rows
}

func actionCard(d actions.Definition) views.ActionCard {
	return views.ActionCard{Identifier: d.Identifier, Title: str(d.Title, d.Identifier), Description: d.Description,
		Operation: d.Trigger.Operation, Blueprint: d.Trigger.BlueprintIdentifier, NeedsApproval: d.RequiredApproval.Required}
}

// inputOrder is the definition's order, then the remaining inputs by name.
func inputOrder(d actions.Definition) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range d.Trigger.UserInputs.Order {
		if _, ok := d.Trigger.UserInputs.Properties[n]; ok && !seen[n] {
			out, seen[n] = append(out, n), true
		}
	}
	var rest []string
	for n := range d.Trigger.UserInputs.Properties {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func str(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
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
