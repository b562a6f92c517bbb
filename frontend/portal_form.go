package frontend

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/selfservice"
)

// The execute form as the form's rules make it (actions.Evaluate, through
// SelfService.EvaluateForm: the code the API and the run workflow check
// inputs with): hidden fields, required stars, disabled fields at their
// default, jq enums, steps and sections. A change to a field posts the
// form to formEval, which answers with the fields that depend on it.

// executeForm builds the form of d over posted (nil: a fresh form) with
// errs by field, showing step.
func (s *Server) executeForm(r *http.Request, d actions.Definition, posted url.Values, errs map[string]string, step int) (views.ExecuteForm, error) {
	ctx, me := r.Context(), currentUser(r.Context())
	saved := func(entity string, values map[string]any) (actions.FormState, error) {
		_, state, err := s.SelfService.EvaluateForm(ctx, me, d.Identifier, entity, values)
		return state, err
	}
	return s.formOf(r, d, saved, posted, errs, step)
}

// formEvaluator evaluates d's form rules for values on entity: the saved
// action's (EvaluateForm), or the editor's draft (EvaluateDraftForm).
type formEvaluator func(entity string, values map[string]any) (actions.FormState, error)

// formOf is executeForm with the rules evaluated by evaluate.
func (s *Server) formOf(r *http.Request, d actions.Definition, evaluate formEvaluator, posted url.Values, errs map[string]string, step int) (views.ExecuteForm, error) {
	f := views.ExecuteForm{Action: actionCard(d), EvalURL: "/self-service/" + url.PathEscape(d.Identifier) + "/form", Step: step,
		Unpublished: !selfservice.Published(d)}
	entity := strings.TrimSpace(posted.Get(entityFieldName))
	if d.Trigger.Operation != actions.OperationCreate {
		f.EntityField = &views.FormField{
			Name: entityFieldName, Label: "Entity", Required: true, Widget: "entity",
			Description: "The " + d.Trigger.BlueprintIdentifier + " this run works on.",
			Value:       entity, Error: errs[entityFieldName],
			ChoicesURL: choicesURL(d.Identifier, entityFieldName),
		}
		if formHasRules(d.Trigger.UserInputs) {
			f.EntityField.EvalURL = f.EvalURL // .entity may change every rule
		}
	}
	var values map[string]any
	fresh := posted == nil || !posted.Has("__step")
	if !fresh {
		values, _ = formInputs(posted, d)
	}
	state, err := evaluate(entity, values)
	if code := slipway.ErrorCode(err); code == slipway.CodeInvalid || code == slipway.CodePrecondition {
		// An entity that is not (or no longer) offered: its field says so
		// on submit; the form shows without .entity meanwhile.
		state, err = evaluate("", values)
	}
	if err != nil {
		return f, err
	}
	directory := &directoryOptions{s: s, r: r}
	fields := map[string]*views.FormField{}
	for _, name := range d.Trigger.UserInputs.FieldOrder() {
		fld, err := fieldView(d, name, state.Fields[name], posted, fresh, errs, directory)
		if err != nil {
			return f, err
		}
		if fs := state.Fields[name]; fs.Error != "" && fld.Error == "" {
			fld.Error = "cannot be evaluated: " + fs.Error
		}
		fields[name] = &fld
	}
	f.Steps = formSteps(d.Trigger.UserInputs, fields, state)
	f.Step = min(max(f.Step, 0), len(f.Steps)-1)
	return f, nil
}

// directoryOptions lists users and teams for pickers, once per form.
type directoryOptions struct {
	s            *Server
	r            *http.Request
	users, teams []string
}

func (o *directoryOptions) list(format string) ([]string, error) {
	switch {
	case format == "user" && o.users == nil:
		all, err := o.s.Identity.Users(o.r.Context())
		if err != nil {
			return nil, err
		}
		o.users = []string{}
		for _, u := range all {
			o.users = append(o.users, u.Email)
		}
	case format == "team" && o.teams == nil:
		all, err := o.s.Identity.Teams(o.r.Context())
		if err != nil {
			return nil, err
		}
		o.teams = []string{}
		for _, t := range all {
			o.teams = append(o.teams, t.Identifier)
		}
	}
	if format == "user" {
		return o.users, nil
	}
	return o.teams, nil
}

// fieldView is one input's field in its evaluated state.
func fieldView(d actions.Definition, name string, fs actions.FieldState, posted url.Values, fresh bool, errs map[string]string, directory *directoryOptions) (views.FormField, error) {
	in := d.Trigger.UserInputs.Properties[name]
	fld := views.FormField{
		Name: name, Label: str(in["title"], name), Description: str(in["description"], ""), Error: errs[name],
		Required: fs.Required, Hidden: !fs.Visible, Disabled: fs.Disabled, ReadOnly: fs.ReadOnly,
	}
	if formHasRules(d.Trigger.UserInputs) {
		fld.EvalURL = "/self-service/" + url.PathEscape(d.Identifier) + "/form"
	}
	typ, format := str(in["type"], ""), str(in["format"], "")
	switch {
	case typ == "boolean":
		fld.Widget = "checkbox"
	case typ == "number":
		fld.Widget = "number"
	case fs.Enum != nil && typ != "array":
		fld.Widget = "select"
		for _, o := range fs.Enum {
			fld.Options = append(fld.Options, displayValue(o))
		}
	case isMultiEntity(in):
		fld.Widget, fld.ChoicesURL = "entity-multi", choicesURL(d.Identifier, name)+"&multi=1"
	case typ == "array" || typ == "object" || format == "multi-line" || format == "markdown" || format == "yaml":
		fld.Widget = "textarea"
	case format == "entity":
		fld.Widget, fld.ChoicesURL = "entity", choicesURL(d.Identifier, name)
	case format == "user" || format == "team":
		fld.Widget = "select"
		options, err := directory.list(format)
		if err != nil {
			return fld, err
		}
		fld.Options = options
	case in["encryption"] != nil:
		fld.Widget = "password"
	case format == "email":
		fld.Widget = "email"
	case format == "url":
		fld.Widget = "url"
	case format == "date-time":
		fld.Widget = "datetime-local"
	default:
		fld.Widget = "text"
	}
	raw, given := posted[name]
	switch {
	case fs.Disabled || fs.ReadOnly || (fresh && !given) || (!fresh && !given && typ != "boolean"):
		fld.Value = displayValue(fs.Default)
		fld.Checked = fs.Default == true
	case !fresh && !given: // an unchecked box
	default:
		fld.Value = first(raw)
		fld.Checked = fld.Value == "true"
	}
	if fld.Value == "" && !fresh && given && fs.Default != nil && first(raw) == "" {
		fld.Value = displayValue(fs.Default) // an emptied field takes its default, as the run will
	}
	if fld.Widget == "entity-multi" {
		fld.Values = chosen(posted[name], fs.Default, fresh || fs.Disabled || fs.ReadOnly)
	}
	if fld.Widget == "datetime-local" {
		fld.Value = localDateTime(fld.Value)
	}
	if fld.Widget == "password" {
		fld.Value = "" // never echo secrets back
	}
	return fld, nil
}

// formSteps lays the fields out in steps (one untitled step without
// Port's steps) with their sections.
func formSteps(ui actions.UserInputs, fields map[string]*views.FormField, state actions.FormState) []views.FormStep {
	placed := map[string]bool{}
	items := func(order []string) []views.FormItem {
		var out []views.FormItem
		for _, name := range order {
			if placed[name] {
				continue
			}
			if t, ok := ui.Titles[name]; ok {
				placed[name] = true
				out = append(out, views.FormItem{Section: &views.FormSection{ID: name, Title: t.Title, Description: t.Description, Hidden: !state.Titles[name]}})
			} else if fld, ok := fields[name]; ok {
				placed[name] = true
				out = append(out, views.FormItem{Field: fld})
			}
		}
		return out
	}
	var steps []views.FormStep
	for _, st := range ui.Steps {
		steps = append(steps, views.FormStep{Title: st.Title, Description: st.Description, Items: items(st.Order)})
	}
	if len(steps) == 0 {
		steps = append(steps, views.FormStep{Items: items(ui.Order)})
	}
	// Inputs no order names go last, in FieldOrder's order.
	last := &steps[len(steps)-1]
	last.Items = append(last.Items, items(ui.FieldOrder())...)
	return steps
}

// formHasRules reports whether a change to a field can change others.
func formHasRules(ui actions.UserInputs) bool {
	if ui.RequiredJQ != "" || len(ui.Titles) > 0 {
		return true
	}
	for name := range ui.Properties {
		if len(ui.Properties[name].DependsOn()) > 0 || ui.Properties[name].HasJQ() {
			return true
		}
	}
	return false
}

// refreshed are the fields a change to changed re-evaluates: those that
// declare it in dependsOn, and those with rules that declare no dependsOn
// (they may read any field). Fields that depend on other fields only are
// left alone, as Port does.
func refreshed(ui actions.UserInputs, changed string) (names []string, dependents []string) {
	for _, name := range ui.FieldOrder() {
		if name == changed {
			continue
		}
		deps := ui.Properties[name].DependsOn()
		switch {
		case slices.Contains(deps, changed):
			names, dependents = append(names, name), append(dependents, name)
		case len(deps) == 0 && (ui.Properties[name].HasJQ() || ui.RequiredJQ != ""):
			names = append(names, name)
		}
	}
	return names, dependents
}

// formEval answers the form's htmx requests: a changed field (__changed)
// gets the fields that depend on it back, swapped by id; Next and Back
// (__goto) get the whole form at the other step, Next only once the
// current step's fields are valid.
func (s *Server) formEval(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	me := currentUser(r.Context())
	d, err := s.SelfService.ViewAction(r.Context(), me, r.PathValue("action"))
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return slipway.FieldError("form", "cannot be read")
	}
	posted := r.PostForm
	step, _ := strconv.Atoi(posted.Get("__step"))
	if target := posted.Get("__goto"); target != "" {
		to, err := strconv.Atoi(target)
		if err != nil {
			return slipway.FieldError("__goto", "must be a step number")
		}
		errs := map[string]string{}
		if to > step {
			errs, err = s.stepErrors(r, d, posted, step)
			if err != nil {
				return err
			}
		}
		if len(errs) == 0 {
			step = to
		}
		form, err := s.executeForm(r, d, posted, errs, step)
		if err != nil {
			return err
		}
		return render(w, r, http.StatusOK, views.ExecuteFormCard(shell.CSRF, form))
	}
	changed := posted.Get("__changed")
	names, dependents := refreshed(d.Trigger.UserInputs, changed)
	if changed == entityFieldName { // the entity changes .entity: every rule
		names, dependents = d.Trigger.UserInputs.FieldOrder(), nil
	}
	for _, name := range dependents {
		posted.Del(name) // a field that depends on the change starts again from its default
	}
	form, err := s.executeForm(r, d, posted, nil, step)
	if err != nil {
		return err
	}
	var fields []views.FormField
	var sections []views.FormSection
	for _, st := range form.Steps {
		for _, it := range st.Items {
			switch {
			case it.Section != nil:
				sections = append(sections, *it.Section)
			case slices.Contains(names, it.Field.Name):
				fields = append(fields, *it.Field)
			}
		}
	}
	return render(w, r, http.StatusOK, views.FormRefresh(fields, sections))
}

// stepErrors checks the inputs as the API will, keeping the errors of the
// fields on step.
func (s *Server) stepErrors(r *http.Request, d actions.Definition, posted url.Values, step int) (map[string]string, error) {
	values, errs := formInputs(posted, d)
	err := s.SelfService.CheckForm(r.Context(), currentUser(r.Context()), d.Identifier, strings.TrimSpace(posted.Get(entityFieldName)), values)
	if code := slipway.ErrorCode(err); err != nil && code != slipway.CodeInvalid {
		return nil, err
	}
	for field, msg := range violationsByField(err) {
		if _, dup := errs[field]; !dup {
			errs[field] = msg
		}
	}
	onStep := map[string]bool{}
	if ui := d.Trigger.UserInputs; step < len(ui.Steps) {
		for _, name := range ui.Steps[step].Order {
			onStep[name] = true
		}
	}
	for field := range errs {
		if !onStep[field] {
			delete(errs, field)
		}
	}
	return errs, nil
}

// violationsByField maps an invalid error's violations to form fields.
func violationsByField(err error) map[string]string {
	out := map[string]string{}
	for _, v := range slipway.ViolationsOf(err) {
		name := strings.TrimPrefix(v.Field, "inputs.")
		if name == "entity" {
			name = entityFieldName
		}
		if _, dup := out[name]; !dup {
			out[name] = v.Message
		}
	}
	return out
}

// firstStepWithError is the step to show after a refused submit.
func firstStepWithError(f views.ExecuteForm, errs map[string]string) int {
	for i, st := range f.Steps {
		for _, it := range st.Items {
			if it.Field != nil && errs[it.Field.Name] != "" {
				return i
			}
		}
	}
	return f.Step
}

// localDateTime shows an RFC 3339 time in a datetime-local input.
func localDateTime(v string) string {
	if len(v) >= 16 && v[10] == 'T' {
		return v[:16]
	}
	return v
}

func isMultiEntity(in actions.Input) bool {
	_, multi, _ := in.EntityPicker()
	return multi
}

// chosen are a multiple choice's values: the posted ones, or the default's.
func chosen(posted []string, def any, useDefault bool) []string {
	if !useDefault {
		return slices.DeleteFunc(slices.Clone(posted), func(v string) bool { return strings.TrimSpace(v) == "" })
	}
	list, _ := def.([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		out = append(out, displayValue(v))
	}
	return out
}
