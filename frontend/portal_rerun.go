package frontend

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/frontend/views"
)

// rerunFieldName carries the run a form re-runs through its submit.
const rerunFieldName = "__rerun"

// rerunForm is d's form started from run id's entity and inputs, for the
// user to change before submitting. Secret values are never written into
// the page: the requester's stay with the run (keepRerunSecrets), anyone
// else types them again.
func (s *Server) rerunForm(r *http.Request, d actions.Definition, id string) (views.ExecuteForm, error) {
	run, inputs, err := s.SelfService.RerunForm(r.Context(), currentUser(r.Context()), id)
	if err != nil {
		return views.ExecuteForm{}, err
	}
	if run.Action != d.Identifier {
		return views.ExecuteForm{}, slipway.FieldError("rerun", "run %s is a run of %s, not of %s", id, run.Action, d.Identifier)
	}
	// Posted values at step 0: the form shows them, not its defaults.
	values := url.Values{"__step": {"0"}}
	for name, v := range inputs {
		values[name] = []string{formValue(v)}
	}
	if run.Entity != "" {
		values.Set(entityFieldName, run.Entity)
	}
	form, err := s.executeForm(r, d, values, nil, 0)
	if err != nil {
		return form, err
	}
	form.RerunOf = run.ID
	markKeptSecrets(&form, d, inputs)
	return form, nil
}

// markKeptSecrets says on each secret field whose value the re-run keeps
// that leaving it empty keeps it.
func markKeptSecrets(form *views.ExecuteForm, d actions.Definition, kept map[string]any) {
	for _, st := range form.Steps {
		for _, it := range st.Items {
			f := it.Field
			if f == nil {
				continue
			}
			if in, ok := d.Trigger.UserInputs.Properties[f.Name]; ok && in.Secret() && kept[f.Name] != nil {
				f.Description = "Leave empty to keep the value of the run you re-run."
			}
		}
	}
}

// keepRerunSecrets fills the secret inputs left empty on a re-run's form
// with the re-run run's values, when the user is its requester (for
// anyone else RerunForm gives none: they type them again).
func (s *Server) keepRerunSecrets(r *http.Request, d actions.Definition, id string, inputs map[string]any) error {
	run, previous, err := s.SelfService.RerunForm(r.Context(), currentUser(r.Context()), id)
	if err != nil {
		return err
	}
	if run.Action != d.Identifier {
		return slipway.FieldError("rerun", "run %s is a run of %s, not of %s", id, run.Action, d.Identifier)
	}
	for name, in := range d.Trigger.UserInputs.Properties {
		if _, typed := inputs[name]; typed || !in.Secret() || previous[name] == nil {
			continue
		}
		inputs[name] = previous[name]
	}
	return nil
}

// formValue is an input's value as its form field holds it: lists and
// objects as JSON (which formInputs reads back with their types).
func formValue(v any) string {
	switch v.(type) {
	case []any, map[string]any:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return displayValue(v)
}
