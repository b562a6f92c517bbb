package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/selfservice"
)

// The action editor is the admins' alone (requireAdminPage: anyone else is
// told it does not exist, and the navigation does not show it). A draft is
// checked by selfservice.CheckDraft, the checks a save makes, and its form
// is built by formOf, the execute page's code, over EvaluateDraftForm: what
// the preview shows is what users will get. Saving goes through
// CreateAction/UpdateAction, audited and versioned as any save.

// newActionTemplate is what a new action starts from.
const newActionTemplate = `{
  "identifier": "my_action",
  "title": "My action",
  "trigger": {
    "type": "self-service",
    "operation": "CREATE",
    "userInputs": {
      "properties": {
        "name": {"type": "string", "title": "Name"}
      },
      "required": ["name"]
    }
  },
  "invocationMethod": {"type": "WEBHOOK", "url": "https://example.com/hook"}
}`

func (s *Server) actionsPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	shell.Title, shell.Active = "Actions", "actions"
	defs, err := s.SelfService.ListActions(r.Context(), "")
	if err != nil {
		return err
	}
	rows := make([]views.ActionRow, len(defs))
	for i, d := range defs {
		rows[i] = views.ActionRow{Identifier: d.Identifier, Title: str(d.Title, d.Identifier), Operation: d.Trigger.Operation,
			Blueprint: d.Trigger.BlueprintIdentifier, Published: selfservice.Published(d)}
	}
	deleted, err := s.SelfService.DeletedActions(r.Context(), currentUser(r.Context()))
	if err != nil {
		return err
	}
	gone := make([]views.EditorVersion, len(deleted))
	for i, d := range deleted {
		gone[i] = editorVersion(d.Identifier, d.Latest.Version, d.Latest.SavedBy, d.Latest.SavedAt)
	}
	notice := ""
	if id := r.URL.Query().Get("deleted"); id != "" {
		notice = "Action " + id + " deleted. Its history is kept: restore it below."
	}
	return render(w, r, http.StatusOK, views.ActionsPage(shell, rows, gone, notice))
}

// newActionPage opens the editor on a new action: a template, or a copy
// of ?copy= under a new identifier.
func (s *Server) newActionPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	definition := newActionTemplate
	if from := r.URL.Query().Get("copy"); from != "" {
		d, err := s.SelfService.GetAction(r.Context(), from)
		if err != nil {
			return err
		}
		d.Identifier, d.Title = d.Identifier+"_copy", str(d.Title, d.Identifier)+" (copy)"
		definition = prettyDefinition(d)
	}
	return s.renderEditor(w, r, shell, http.StatusOK, views.ActionEditor{Definition: definition})
}

func (s *Server) editActionPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	d, err := s.SelfService.GetAction(r.Context(), r.PathValue("action"))
	if err != nil {
		return err
	}
	e := views.ActionEditor{Original: d.Identifier, Definition: prettyDefinition(d)}
	switch q := r.URL.Query(); {
	case q.Has("saved"):
		e.Notice = "Saved."
	case q.Get("restored") != "":
		e.Notice = "Version " + q.Get("restored") + " restored as the newest version."
	}
	return s.renderEditor(w, r, shell, http.StatusOK, e)
}

// checkDraft answers the editor's checks as the admin types: the problems
// by field path, and the live form swapped out of band.
func (s *Server) checkDraft(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	e := editorPosted(r)
	check, err := s.editorCheck(r, shell, e)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.EditorCheckResult(check))
}

// saveAction creates the posted action (no original) or updates the one
// it edits; refused, the editor shows again with the problems.
func (s *Server) saveAction(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	e := editorPosted(r)
	me := currentUser(r.Context())
	var d actions.Definition
	var err error
	if e.Original == "" {
		d, err = s.SelfService.CreateAction(r.Context(), me, []byte(e.Definition))
	} else {
		d, err = s.SelfService.UpdateAction(r.Context(), me, e.Original, []byte(e.Definition))
	}
	if code := slipway.ErrorCode(err); code == slipway.CodeInvalid || code == slipway.CodeConflict {
		return s.renderEditor(w, r, shell, http.StatusUnprocessableEntity, e, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/actions/"+url.PathEscape(d.Identifier)+"/edit?saved=1", http.StatusSeeOther)
	return nil
}

func (s *Server) deleteActionForm(w http.ResponseWriter, r *http.Request, _ views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	id := r.PathValue("action")
	if err := s.SelfService.DeleteAction(r.Context(), currentUser(r.Context()), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/actions?"+url.Values{"deleted": {id}}.Encode(), http.StatusSeeOther)
	return nil
}

// editorPosted is the editor's posted form.
func editorPosted(r *http.Request) views.ActionEditor {
	return views.ActionEditor{Original: r.PostFormValue("original"), Definition: r.PostFormValue("definition"),
		AsUser: strings.TrimSpace(r.PostFormValue("as_user")), Entity: strings.TrimSpace(r.PostFormValue("entity"))}
}

// renderEditor shows the editor on e, checked, with saveErr (a refused
// save) first among its problems.
func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, shell views.Shell, status int, e views.ActionEditor, saveErr ...error) error {
	shell.Title, shell.Active = "Action editor", "actions"
	check, err := s.editorCheck(r, shell, e)
	if err != nil {
		return err
	}
	for _, se := range saveErr {
		check.Problems = append(problemsOf(se), check.Problems...)
	}
	e.Check = check
	users, err := s.Identity.Users(r.Context())
	if err != nil {
		return err
	}
	for _, u := range users {
		e.Users = append(e.Users, u.Email)
	}
	if e.Original != "" {
		if e.Versions, err = s.editorVersions(r, e.Original); err != nil {
			return err
		}
	}
	return render(w, r, status, views.ActionEditorPage(shell, e))
}

// editorCheck checks e's draft and builds its form for e's user and entity.
func (s *Server) editorCheck(r *http.Request, shell views.Shell, e views.ActionEditor) (views.EditorCheck, error) {
	ctx, me := r.Context(), currentUser(r.Context())
	check := views.EditorCheck{CSRF: shell.CSRF}
	if p, bad := jsonSyntaxProblem(e.Definition); bad {
		check.Problems = []views.EditorProblem{p} // where, which a save's "must be a JSON object" does not say
		return check, nil
	}
	d, parsed, err := s.SelfService.CheckDraft(ctx, me, e.Original, []byte(e.Definition))
	if slipway.ErrorCode(err) != slipway.CodeInvalid && err != nil {
		return check, err
	}
	check.Problems = problemsOf(err)
	if !parsed {
		return check, nil
	}
	var entityErr error
	draft := func(entity string, values map[string]any) (actions.FormState, error) {
		state, err := s.SelfService.EvaluateDraftForm(ctx, me, d, e.AsUser, entity, values)
		if entity != "" && err != nil && entityErr == nil {
			entityErr = err // formOf shows the form without it; the admin is told why
		}
		return state, err
	}
	var posted url.Values
	if e.Entity != "" {
		posted = url.Values{entityFieldName: {e.Entity}}
	}
	form, err := s.formOf(r, d, draft, posted, nil, 0)
	switch code := slipway.ErrorCode(err); {
	case code == slipway.CodeInvalid || code == slipway.CodePrecondition || code == slipway.CodeNotFound:
		check.Problems = append(check.Problems, problemsOf(err)...)
		return check, nil
	case err != nil:
		return check, err
	}
	if entityErr != nil {
		check.Problems = append(check.Problems, views.EditorProblem{Field: "entity", Message: slipway.ErrorMessage(entityErr)})
	}
	check.Preview = &form
	if e.AsUser != "" {
		if u, err := s.Identity.UserByEmail(ctx, e.AsUser); err == nil && !u.IsAdmin() && !(selfservice.Published(d) && selfservice.MayRun(u, d)) {
			check.Notice = e.AsUser + " is not offered this action (its permissions or publish: false): they will not see this form."
		}
	}
	return check, nil
}

// jsonSyntaxProblem locates a syntax error in text by line and column.
func jsonSyntaxProblem(text string) (views.EditorProblem, bool) {
	var v any
	err := json.Unmarshal([]byte(text), &v)
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		if err != nil && strings.TrimSpace(text) != "" {
			return views.EditorProblem{Field: "action", Message: "is not valid JSON"}, true
		}
		return views.EditorProblem{}, false
	}
	before := text[:min(max(int(syntax.Offset)-1, 0), len(text))] // Offset is just past the bad byte
	line := strings.Count(before, "\n") + 1
	column := len(before) - strings.LastIndex(before, "\n")
	return views.EditorProblem{Field: "action", Message: fmt.Sprintf("is not valid JSON at line %d, column %d: %s", line, column, syntax.Error())}, true
}

// problemsOf lists err's problems by field path; nil for no error.
func problemsOf(err error) []views.EditorProblem {
	if err == nil {
		return nil
	}
	var out []views.EditorProblem
	for _, v := range slipway.ViolationsOf(err) {
		out = append(out, views.EditorProblem{Field: v.Field, Message: v.Message})
	}
	if len(out) == 0 {
		out = append(out, views.EditorProblem{Message: slipway.ErrorMessage(err)})
	}
	return out
}

// prettyDefinition is d as the editor and the diff show it: indented JSON
// in the definition's own field order.
func prettyDefinition(d actions.Definition) string {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return "{}" // a parsed definition always marshals
	}
	return string(b)
}
