package actions

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/jqtemplate"
)

// Port's advanced inputs: visible, required, disabled, readOnly, default
// and enum may each be a literal or {"jqQuery": "..."} over the form's
// context. Evaluate is the one place that decides them, for the portal's
// form, the API's ExecuteAction and the run workflow's re-validation.

// dynamicKeywords are the input keywords a jq query may compute.
var dynamicKeywords = []string{"visible", "required", "disabled", "readOnly", "default", "enum"}

// FormLimit bounds one jq expression of a form when a person waits on it
// (the portal, the API). The run workflow allows more (WorkflowFormLimit),
// so that an expression that passed when the run started cannot time out
// when the history replays on a slower worker.
const (
	FormLimit         = 500 * time.Millisecond
	WorkflowFormLimit = 30 * time.Second
	// formTotalLimit bounds all the rules of one evaluation for a person.
	formTotalLimit = 4 * FormLimit
)

// FormUser is the signed-in user as a form's jq sees it (.user).
type FormUser struct {
	ID    string `json:"userId,omitempty"`
	Email string `json:"email"`
	Name  string `json:"name"`
	// Role is the one role Slipway gives a user; Roles is it as Port's list.
	Role  string   `json:"role"`
	Roles []string `json:"roles"`
	Teams []string `json:"teams"`
}

// FormUserOf is u as a form's jq sees it.
func FormUserOf(u slipway.User) FormUser {
	fu := FormUser{Email: u.Email, Name: u.Name, Role: string(u.Role), Roles: []string{string(u.Role)}, Teams: []string{}}
	if u.ID != [16]byte{} {
		fu.ID = u.ID.String()
	}
	for _, t := range u.Teams {
		fu.Teams = append(fu.Teams, t.Identifier)
	}
	sort.Strings(fu.Teams)
	return fu
}

// FormContext is what a form's jq sees besides the values so far.
type FormContext struct {
	// Entity is the entity a DAY-2 or DELETE run works on (nil for CREATE).
	Entity map[string]any
	User   FormUser
	// Operation and Blueprint are the action's; they make .trigger.
	Operation, Blueprint string
	// Limit bounds each expression (FormLimit when zero).
	Limit time.Duration
}

// FieldState is what the form's rules decide for one input.
type FieldState struct {
	Visible, Required, Disabled, ReadOnly bool
	// Default is the input's default (nil: none).
	Default any
	// Enum is the allowed values when the input has an enum (nil: any).
	Enum []any
	// Error says why a rule of this input could not be evaluated.
	Error string
}

// FormState is a form evaluated over values.
type FormState struct {
	Fields map[string]FieldState
	// Values are the inputs as the run takes them: defaults filled in,
	// hidden inputs dropped, disabled and read-only inputs at their default.
	Values map[string]any
	// Titles say which sections show.
	Titles map[string]bool
	// Violations are the rules the values break (required, enum) and the
	// rules that could not be evaluated, as "inputs.<name>".
	Violations []slipway.Violation
}

// Data is the jq input of a form: .form, .entity, .user, .trigger.
func (fc FormContext) Data(form map[string]any) map[string]any {
	var entity any
	if fc.Entity != nil {
		entity = fc.Entity
	}
	return map[string]any{
		"form":   form,
		"entity": entity,
		"user":   fc.User,
		"trigger": map[string]any{
			"operation": fc.Operation, "blueprintIdentifier": fc.Blueprint,
			"by": map[string]any{"userId": fc.User.ID, "user": map[string]any{"email": fc.User.Email, "name": fc.User.Name}},
		},
	}
}

// FieldOrder is the order inputs show in: the steps' orders, else order,
// then the rest by name. Section names (Titles) are left out.
func (ui UserInputs) FieldOrder() []string {
	var out []string
	seen := map[string]bool{}
	add := func(names []string) {
		for _, n := range names {
			if _, ok := ui.Properties[n]; ok && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	for _, st := range ui.Steps {
		add(st.Order)
	}
	add(ui.Order)
	rest := make([]string, 0, len(ui.Properties))
	for n := range ui.Properties {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Evaluate decides every input's state over values (the inputs given so
// far). It is pure for a given context, so the run workflow evaluates the
// same form the starter did. Defaults are computed first, in form order,
// each seeing the values (and defaults) before it; the other rules then
// see the completed form.
func (ui UserInputs) Evaluate(ctx context.Context, values map[string]any, fc FormContext) FormState {
	limit := fc.Limit
	if limit <= 0 {
		// A person waits on this: bound the whole form too, so a form of
		// many slow rules answers in time, its late rules failing.
		limit = FormLimit
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, formTotalLimit)
		defer cancel()
	}
	st := FormState{Fields: map[string]FieldState{}, Values: map[string]any{}, Titles: map[string]bool{}}
	for k, v := range values {
		st.Values[k] = v
	}
	fieldErr := map[string][]string{}
	// data is the jq input over the values so far, built again only after
	// a default changed them.
	var data map[string]any
	dataNow := func() map[string]any {
		if data == nil {
			data = fc.Data(plain(ui.withoutSecrets(st.Values)))
		}
		return data
	}
	eval := func(name, kw string, v any) (any, bool) {
		q, dynamic := jqQuery(v)
		if !dynamic {
			return v, true
		}
		out, err := jqtemplate.EvalWithin(ctx, q, dataNow(), limit)
		if err != nil {
			fieldErr[name] = append(fieldErr[name], kw+": "+err.Error())
			return nil, false
		}
		return out, true
	}
	order := ui.FieldOrder()
	for _, name := range order {
		in := ui.Properties[name]
		var fs FieldState
		if def, ok := in["default"]; ok {
			fs.Default, _ = eval(name, "default", def)
		}
		if _, given := st.Values[name]; !given && fs.Default != nil {
			st.Values[name], data = fs.Default, nil
		}
		st.Fields[name] = fs
	}
	required := map[string]bool{}
	for _, n := range ui.Required {
		required[n] = true
	}
	if ui.RequiredJQ != "" {
		out, err := jqtemplate.EvalWithin(ctx, ui.RequiredJQ, dataNow(), limit)
		names, isList := out.([]any)
		switch {
		case err != nil:
			st.Violations = append(st.Violations, slipway.Violation{Field: "inputs", Message: "required: " + err.Error()})
		case !isList && out != nil:
			st.Violations = append(st.Violations, slipway.Violation{Field: "inputs", Message: "required: the jqQuery must return a list of input names"})
		}
		for _, n := range names {
			if s, ok := n.(string); ok {
				required[s] = true
			}
		}
	}
	for _, name := range order {
		in, fs := ui.Properties[name], st.Fields[name]
		fs.Visible = boolRule(eval, name, "visible", in, true)
		fs.Required = required[name] || boolRule(eval, name, "required", in, false)
		fs.Disabled = boolRule(eval, name, "disabled", in, false)
		fs.ReadOnly = boolRule(eval, name, "readOnly", in, false)
		if e, ok := in["enum"]; ok {
			if out, ok := eval(name, "enum", e); ok {
				switch list := out.(type) {
				case []any:
					fs.Enum = list
				default:
					fieldErr[name] = append(fieldErr[name], "enum: must be a list of values")
				}
			}
		}
		st.Fields[name] = fs
	}
	for id, t := range ui.Titles {
		visible := true
		if t.Visible != nil {
			out, ok := eval("titles."+id, "visible", t.Visible)
			b, isBool := out.(bool)
			visible = !ok || !isBool || b
		}
		st.Titles[id] = visible
	}
	// Apply the states to the values, then check what they require.
	for _, name := range order {
		fs := st.Fields[name]
		switch {
		case !fs.Visible:
			delete(st.Values, name) // hidden inputs are not sent, as in Port
			continue
		case fs.Disabled || fs.ReadOnly:
			if fs.Default != nil {
				st.Values[name] = fs.Default
			} else {
				delete(st.Values, name)
			}
		}
		v, given := st.Values[name]
		if fs.Required && (!given || v == nil) {
			st.Violations = append(st.Violations, slipway.Violation{Field: "inputs." + name, Message: "is required"})
		}
		if given && v != nil && fs.Enum != nil && isDynamic(ui.Properties[name]["enum"]) && !inEnum(v, fs.Enum) {
			st.Violations = append(st.Violations, slipway.Violation{Field: "inputs." + name, Message: "must be one of " + describeEnum(fs.Enum)})
		}
	}
	for name, errs := range fieldErr {
		fs := st.Fields[name]
		fs.Error = strings.Join(errs, "; ")
		if _, isInput := ui.Properties[name]; isInput {
			st.Fields[name] = fs
		}
		st.Violations = append(st.Violations, slipway.Violation{Field: "inputs." + name, Message: "cannot be evaluated: " + fs.Error})
	}
	sort.SliceStable(st.Violations, func(i, j int) bool { return st.Violations[i].Field < st.Violations[j].Field })
	return st
}

// DependsOn names the inputs whose changes re-evaluate this one (Port's
// dependsOn).
func (in Input) DependsOn() []string {
	list, _ := in["dependsOn"].([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// HasJQ reports whether a rule of the input is a jq query.
func (in Input) HasJQ() bool {
	return slices.ContainsFunc(dynamicKeywords, func(kw string) bool { return isDynamic(in[kw]) })
}

// boolRule evaluates a visible/required/disabled/readOnly keyword; a rule
// that fails keeps its default (and the failure is an error on the field).
// An object input's "required" is its JSON Schema list, not a rule.
func boolRule(eval func(name, kw string, v any) (any, bool), name, kw string, in Input, def bool) bool {
	raw, ok := in[kw]
	if !ok {
		return def
	}
	if _, isList := raw.([]any); isList {
		return def
	}
	out, ok := eval(name, kw, raw)
	if !ok {
		return def
	}
	b, isBool := out.(bool)
	if !isBool {
		return out != nil // jq's truth: only null and false are false
	}
	return b
}

// inEnum reports whether v (or, for a list, each of its items) is allowed.
func inEnum(v any, enum []any) bool {
	if items, ok := v.([]any); ok {
		for _, it := range items {
			if !inEnum(it, enum) {
				return false
			}
		}
		return true
	}
	pv := plainValue(v)
	return slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(plainValue(e), pv) })
}

func describeEnum(enum []any) string {
	parts := make([]string, len(enum))
	for i, e := range enum {
		b, _ := json.Marshal(e)
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

// withoutSecrets leaves secret inputs out of .form: the run workflow sees
// them sealed, so a rule over one would decide otherwise there than when
// the run started.
func (ui UserInputs) withoutSecrets(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		if !ui.Properties[k].Secret() {
			out[k] = v
		}
	}
	return out
}

// plain turns values into plain JSON values (float64 numbers).
func plain(m map[string]any) map[string]any {
	var out map[string]any
	b, err := json.Marshal(m)
	if err != nil || json.Unmarshal(b, &out) != nil {
		return m
	}
	return out
}

func plainValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}
