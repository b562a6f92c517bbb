package frontend

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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
	shell.Title, shell.Active = str(d.Title, d.Identifier), "self-service"
	if id := r.URL.Query().Get("rerun"); id != "" {
		form, err := s.rerunForm(r, d, id)
		if err != nil {
			return err
		}
		return render(w, r, http.StatusOK, views.ExecutePage(shell, form))
	}
	var entity url.Values
	if e := r.URL.Query().Get("entity"); e != "" { // from an entity page
		entity = url.Values{entityFieldName: {e}}
	}
	form, err := s.executeForm(r, d, entity, nil, 0)
	if err != nil {
		return err
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
	shell.Title, shell.Active = str(d.Title, d.Identifier), "self-service"
	_ = r.ParseForm()
	inputs, parseErrs := formInputs(r.PostForm, d)
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
	for k, v := range violationsByField(err) {
		if _, onForm := d.Trigger.UserInputs.Properties[k]; !onForm && k != entityFieldName {
			// No field to show it beside (the action itself: not published).
			formErr = strings.TrimSpace(formErr + " " + v)
			continue
		}
		if _, dup := fieldErrs[k]; !dup {
			fieldErrs[k] = v
		}
	}
	if e := (*slipway.Error)(nil); errors.As(err, &e) && len(e.Violations) == 0 && e.Field == "" {
		formErr = e.Error()
	}
	form, ferr := s.executeForm(r, d, r.PostForm, fieldErrs, 0)
	if ferr != nil {
		return ferr
	}
	form.Step = firstStepWithError(form, fieldErrs)
	form.FormError, form.RerunOf = formErr, rerunOf
	return render(w, r, http.StatusUnprocessableEntity, views.ExecutePage(shell, form))
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
	multi := r.URL.Query().Get("multi") == "1"
	if multi {
		search = "" // a multiple choice sends its chosen values, not a search
	}
	if input == entityFieldName {
		input = ""
	}
	// The picker sends the whole form (hx-include), for datasets over .form and .entity.
	d, err := s.SelfService.ViewAction(r.Context(), currentUser(r.Context()), r.PathValue("action"))
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	values, _ := formInputs(r.Form, d)
	found, err := s.SelfService.EntityChoices(r.Context(), currentUser(r.Context()), d.Identifier, input, search, values, strings.TrimSpace(r.Form.Get(entityFieldName)))
	if err != nil {
		return err
	}
	choices := make([]views.EntityChoice, 0, len(found))
	selected := map[string]bool{}
	if multi {
		for _, id := range r.Form[input] {
			selected[id] = true
		}
	}
	for _, e := range found {
		choices = append(choices, views.EntityChoice{Identifier: e.Identifier, Title: e.Title, Team: e.Team, Selected: selected[e.Identifier]})
		delete(selected, e.Identifier)
	}
	for _, id := range slices.Sorted(maps.Keys(selected)) { // chosen, yet beyond the first choices
		choices = append(choices, views.EntityChoice{Identifier: id, Selected: true})
	}
	return render(w, r, http.StatusOK, views.EntityChoices(choices))
}

// formInputs converts form values to typed inputs; what cannot be
// converted is reported by field.
func formInputs(form url.Values, d actions.Definition) (map[string]any, map[string]string) {
	out, errs := map[string]any{}, map[string]string{}
	for name, in := range d.Trigger.UserInputs.Properties {
		if _, multi, _ := in.EntityPicker(); multi { // a multiple choice: one value per entity
			var list []any
			for _, v := range form[name] {
				if v = strings.TrimSpace(v); v != "" {
					list = append(list, v)
				}
			}
			if list != nil {
				out[name] = list
			}
			continue
		}
		raw := strings.TrimSpace(form.Get(name))
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
			if str(in["format"], "") == "date-time" {
				if t, err := time.ParseInLocation("2006-01-02T15:04", raw, time.UTC); err == nil {
					raw = t.Format(time.RFC3339) // a datetime-local picker's value, in UTC
				}
			}
			out[name] = raw
		}
	}
	return out, errs
}

func actionCard(d actions.Definition) views.ActionCard {
	return views.ActionCard{Identifier: d.Identifier, Title: str(d.Title, d.Identifier), Description: d.Description, Icon: d.Icon,
		Operation: d.Trigger.Operation, Blueprint: d.Trigger.BlueprintIdentifier, NeedsApproval: d.RequiredApproval.Required}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
