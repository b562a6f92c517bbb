package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	"github.com/slipwayhq/slipway"
)

// InputSchema validates the inputs of a run against an action's form. It is
// pure and deterministic, so the run workflow validates again with it.
type InputSchema struct {
	schema *jsonschema.Schema
	ui     UserInputs
	// notDeclared is the message for a key the form does not declare.
	notDeclared string
}

// schemaKeywords are the Port input keywords that are JSON Schema; Port's
// own (title, icon, blueprint, dataset, visible, ...) only shape the form.
var schemaKeywords = []string{
	"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
	"minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems",
	"properties", "additionalProperties", "required",
}

// Formats Port defines that JSON Schema does not; checked here so that
// format assertion stays on for the standard ones (email, date-time, ipv4...).
var portFormats = []*jsonschema.Format{
	{Name: "url", Validate: validateURL},
	{Name: "yaml", Validate: validateYAML},
	{Name: "multi-line", Validate: anyString},
	{Name: "markdown", Validate: anyString},
	{Name: "user", Validate: nonEmptyString},
	{Name: "team", Validate: nonEmptyString},
	{Name: "entity", Validate: nonEmptyString},
	{Name: "timer", Validate: anyString},
}

// Schema compiles the definition's form.
func (d *Definition) Schema() (*InputSchema, error) {
	return compileInputs(d.Trigger.UserInputs, "is not an input of this action")
}

// CompileSchema compiles the schema of owner ("blueprint service") in the
// same type system as forms: a key it does not declare "is not a property
// of" owner.
func CompileSchema(ui UserInputs, owner string) (*InputSchema, error) {
	return compileInputs(ui, "is not a property of "+owner)
}

func compileInputs(ui UserInputs, notDeclared string) (*InputSchema, error) {
	return compiledForms.get(ui, notDeclared)
}

func compileInputsUncached(ui UserInputs, notDeclared string) (*InputSchema, error) {
	props := map[string]any{}
	for name, in := range ui.Properties {
		props[name] = toSchema(in)
	}
	doc := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if len(ui.Required) > 0 {
		doc["required"] = toAnySlice(ui.Required)
	}
	// The library wants documents as its own decoder produces them (json.Number).
	normalised, err := roundTrip(doc)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range portFormats {
		c.RegisterFormat(f)
	}
	if err := c.AddResource("slipway:inputs", normalised); err != nil {
		return nil, err
	}
	sch, err := c.Compile("slipway:inputs")
	if err != nil {
		return nil, fmt.Errorf("form does not compile: %s", firstLine(err.Error()))
	}
	s := &InputSchema{schema: sch, ui: ui, notDeclared: notDeclared}
	// Defaults must satisfy their own input.
	var v violations
	for name, in := range ui.Properties {
		if def, ok := in["default"]; ok && !isDynamic(def) {
			if err := s.validateOne(name, def); err != nil {
				v.add("properties."+name+".default", "%s", err)
			}
		}
	}
	if len(v) > 0 {
		return nil, fmt.Errorf("%s", v[0].String())
	}
	return s, nil
}

// Apply fills defaults into inputs and validates them. It returns the
// inputs as the run will use them, or an invalid error listing every bad
// field as "inputs.<name>".
func (s *InputSchema) Apply(inputs map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(s.ui.Properties))
	for k, v := range inputs {
		out[k] = v
	}
	for name, in := range s.ui.Properties {
		if _, given := out[name]; given {
			continue
		}
		if def, ok := in["default"]; ok && !isDynamic(def) {
			out[name] = def
		}
	}
	return s.validate(out)
}

// validate checks inputs as they are, defaults already in place.
func (s *InputSchema) validate(out map[string]any) (map[string]any, error) {
	inst, err := roundTrip(out)
	if err != nil {
		return nil, slipway.FieldError("inputs", "must be a JSON object")
	}
	if err := s.schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		return nil, slipway.Invalid("inputs", leafViolations(ve, s.ui, s.notDeclared))
	}
	// Return plain JSON values (float64 numbers), as encoding/json would.
	var plain map[string]any
	b, _ := json.Marshal(out)
	_ = json.Unmarshal(b, &plain)
	return plain, nil
}

func (s *InputSchema) validateOne(name string, value any) error {
	_, err := s.Apply(map[string]any{name: value})
	if err == nil {
		return nil
	}
	var e *slipway.Error
	if errors.As(err, &e) {
		for _, viol := range e.Violations {
			if viol.Field == "inputs."+name || strings.HasPrefix(viol.Field, "inputs."+name+".") {
				return fmt.Errorf("%s", viol.Message)
			}
		}
		return nil // only other inputs (required ones) complained
	}
	return err
}

var printer = sync.OnceValue(func() *message.Printer { return message.NewPrinter(language.English) })

// leafViolations flattens the validator's error tree into one violation per
// failing field, worded by violationMessage; notDeclared is the message for
// keys the form does not declare.
func leafViolations(ve *jsonschema.ValidationError, ui UserInputs, notDeclared string) []slipway.Violation {
	var out []slipway.Violation
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		base := strings.Join(append([]string{"inputs"}, e.InstanceLocation...), ".")
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				out = append(out, slipway.Violation{Field: base + "." + m, Message: "is required"})
			}
		case *kind.AdditionalProperties:
			msg := notDeclared
			if len(e.InstanceLocation) > 0 { // inside an object input, which declares its own properties
				msg = "is not a property of this object"
			}
			for _, p := range k.Properties {
				out = append(out, slipway.Violation{Field: base + "." + p, Message: msg})
			}
		default:
			out = append(out, slipway.Violation{Field: base, Message: violationMessage(e, schemaNode(ui, e.InstanceLocation))})
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func toSchema(in Input) map[string]any {
	out := map[string]any{}
	for _, kw := range schemaKeywords {
		v, ok := in[kw]
		if !ok || isDynamic(v) {
			continue
		}
		if _, isList := v.([]any); kw == "required" && !isList {
			continue // an input's own "required": true is a form rule (form.go)
		}
		out[kw] = v
	}
	if items, ok := in["items"].(map[string]any); ok {
		out["items"] = toSchema(items)
	}
	return out
}

// isDynamic reports Port's {"jqQuery": ...} values, evaluated by the form.
func isDynamic(v any) bool {
	m, ok := v.(map[string]any)
	_, jq := m["jqQuery"]
	return ok && jq
}

func roundTrip(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func toAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func validateURL(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("not a URL")
	}
	return nil
}

func validateYAML(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	var out any
	if err := yaml.Unmarshal([]byte(s), &out); err != nil {
		return fmt.Errorf("not valid YAML")
	}
	return nil
}

func anyString(any) error { return nil }

func nonEmptyString(v any) error {
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}
