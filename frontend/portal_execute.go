package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
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

// The self-service pages: the actions a user may run, and the form that
// starts a run of one (with its entity picker).

// selfServicePage lists the actions the user may run.
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
		if !selfservice.Published(d) || !selfservice.MayRun(me, d) {
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
	if id := r.URL.Query().Get("rerun"); id != "" {
		form, err := s.rerunForm(r, d, id)
		if err != nil {
			return err
		}
		return render(w, r, http.StatusOK, views.ExecutePage(shell, form))
	}
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
	rerunOf := r.PostFormValue(rerunFieldName)
	if rerunOf != "" {
		if err := s.keepRerunSecrets(r, d, rerunOf, inputs); err != nil {
			return err
		}
	}
	var run selfservice.Run
	if len(parseErrs) == 0 {
		run, err = s.SelfService.Execute(r.Context(), currentUser(r.Context()), d.Identifier, strings.TrimSpace(r.PostFormValue(entityFieldName)), inputs, runs.OriginUI)
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
				if _, onForm := d.Trigger.UserInputs.Properties[name]; !onForm && name != entityFieldName {
					// No field to show it beside (the action itself: not published).
					formErr = strings.TrimSpace(formErr + " " + v.Message)
					continue
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
	form.FormError, form.RerunOf = formErr, rerunOf
	return render(w, r, http.StatusUnprocessableEntity, views.ExecutePage(shell, form))
}

func (s *Server) executeForm(r *http.Request, d actions.Definition, values map[string][]string, errs map[string]string) (views.ExecuteForm, error) {
	f := views.ExecuteForm{Action: actionCard(d), Unpublished: !selfservice.Published(d)}
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

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
