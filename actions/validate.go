package actions

import (
	"encoding/json"
	"fmt"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/jqtemplate"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

var (
	// Port's identifier pattern: letters, digits and @_.+:=- but not "." or "..".
	identifierPattern = regexp.MustCompile(`^[\p{L}0-9@_.+:=-]+$`)
	inputNamePattern  = regexp.MustCompile(`^[A-Za-z0-9@_=\-]+$`)
)

var (
	inputTypes    = []string{"string", "number", "boolean", "array", "object"}
	stringFormats = []string{"multi-line", "date-time", "email", "url", "yaml", "ipv4", "ipv6", "markdown", "user", "team", "entity"}
	httpMethods   = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	// Port's other invocation types need integrations Slipway does not have yet;
	// refusing them beats accepting runs that can only fail.
	supportedInvocations = []string{InvocationWebhook, InvocationUpsertEntity, InvocationTemporal, InvocationKafka, InvocationGitLab, InvocationGitHub}
	portInvocations      = []string{"AZURE_DEVOPS"}
)

func validate(d *Definition, v *violations) {
	switch {
	case d.Identifier == "":
		v.add("identifier", "is required")
	case d.Identifier == "." || d.Identifier == "..":
		v.add("identifier", "must not be %q", d.Identifier)
	case len(d.Identifier) > 100:
		v.add("identifier", "must be at most 100 characters")
	case !identifierPattern.MatchString(d.Identifier):
		v.add("identifier", "may hold only letters, digits and @_.+:=-")
	}
	if d.Trigger.Type != "self-service" {
		v.add("trigger.type", `must be "self-service"`)
	}
	switch d.Trigger.Operation {
	case OperationCreate, OperationDay2, OperationDelete:
	case "":
		v.add("trigger.operation", "is required: CREATE, DAY-2 or DELETE")
	default:
		v.add("trigger.operation", "must be CREATE, DAY-2 or DELETE, not %q", d.Trigger.Operation)
	}
	if (d.Trigger.Operation == OperationDay2 || d.Trigger.Operation == OperationDelete) && d.Trigger.BlueprintIdentifier == "" {
		v.add("trigger.blueprintIdentifier", "is required for %s actions, which run on an entity", d.Trigger.Operation)
	}
	validateForm("trigger.userInputs", d.Trigger.UserInputs, stringFormats, v)
	if len(d.Trigger.Condition) > 0 && string(d.Trigger.Condition) != "null" {
		if d.Trigger.Operation == OperationCreate {
			v.add("trigger.condition", "only DAY-2 and DELETE actions run on entities")
		}
		_, problems := ParseCondition(d.Trigger.Condition)
		for _, p := range problems {
			v.add("trigger.condition", "%s", p)
		}
	}
	validateInvocation(d.InvocationMethod, v)
	validateSecretUses(d, v)
	if d.InvocationMethod.Type == InvocationTemporal {
		refuseSecretInputs(d.Trigger.UserInputs, v)
	}
	validatePermissions(d, v)
	validateNotification(d.ApprovalNotification, v)
	if d.RetryPolicy != nil {
		if d.RetryPolicy.MaximumAttempts < 0 || d.RetryPolicy.MaximumAttempts > 100 {
			v.add("retryPolicy.maximumAttempts", "must be between 1 and 100")
		}
		if c := d.RetryPolicy.BackoffCoefficient; c != 0 && c < 1 {
			v.add("retryPolicy.backoffCoefficient", "must be at least 1")
		}
	}
}

func validateInvocation(inv Invocation, v *violations) {
	switch {
	case inv.Type == "":
		v.add("invocationMethod.type", "is required")
		return
	case slices.Contains(portInvocations, inv.Type):
		v.add("invocationMethod.type", "%s is not supported by Slipway yet; supported: %s", inv.Type, strings.Join(supportedInvocations, ", "))
		return
	case !slices.Contains(supportedInvocations, inv.Type):
		v.add("invocationMethod.type", "unknown invocation type %q; supported: %s", inv.Type, strings.Join(supportedInvocations, ", "))
		return
	case inv.Type == InvocationUpsertEntity:
		validateMapping(inv, v)
		return
	case inv.Type == InvocationTemporal:
		validateTemporal(inv, v)
		return
	case inv.Type == InvocationKafka:
		validateKafka(inv, v)
		return
	case inv.Type == InvocationGitLab:
		validateGitLab(inv, v)
		return
	case inv.Type == InvocationGitHub:
		validateGitHub(inv, v)
		return
	}
	if inv.URL == "" {
		v.add("invocationMethod.url", "is required")
	} else if u, err := url.Parse(inv.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add("invocationMethod.url", "must be an http or https URL")
	}
	if inv.Method != "" && !slices.Contains(httpMethods, inv.Method) {
		v.add("invocationMethod.method", "must be one of %s", strings.Join(httpMethods, ", "))
	}
	for name := range inv.Headers {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			v.add("invocationMethod.headers", "%q is not a valid header name", name)
		}
	}
	// Templates ({{ jq }}) must compile now rather than fail every run.
	templated := map[string]any{"url": inv.URL}
	headers := map[string]any{}
	for k, h := range inv.Headers {
		headers[k] = h
	}
	templated["headers"] = headers
	if len(inv.Body) > 0 {
		var body any
		if err := json.Unmarshal(inv.Body, &body); err == nil {
			templated["body"] = body
		}
	}
	v.addAll(jqtemplate.Check(templated, "invocationMethod"))
}

// ValidateSchema checks a blueprint's schema: the same type system as
// action inputs, plus format "timer" for expiry times. Paths start with prefix.
func ValidateSchema(prefix string, ui UserInputs) []slipway.Violation {
	var v violations
	validateForm(prefix, ui, append(slices.Clone(stringFormats), "timer"), &v)
	return v
}

func validateForm(prefix string, ui UserInputs, formats []string, v *violations) {
	names := make([]string, 0, len(ui.Properties))
	for name := range ui.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := prefix + ".properties." + name
		if !inputNamePattern.MatchString(name) {
			v.add(path, "names may hold only letters, digits and @_=-")
		}
		validateInput(path, ui.Properties[name], formats, v)
	}
	for i, name := range ui.Required {
		if _, ok := ui.Properties[name]; !ok {
			v.add(fmt.Sprintf("%s.required[%d]", prefix, i), "%q is not a property", name)
		}
	}
	validateLayout(prefix, ui, v)
	if len(v.fieldsUnder(prefix)) == 0 {
		// The form itself must compile, defaults included.
		if _, err := compileInputs(ui, ""); err != nil { // compiled only, never applied
			v.add(prefix, "%s", err)
		}
	}
}

func validateInput(path string, in Input, formats []string, v *violations) {
	typ, _ := in["type"].(string)
	switch {
	case in["type"] == nil:
		v.add(path+".type", "is required: one of %s", strings.Join(inputTypes, ", "))
		return
	case !slices.Contains(inputTypes, typ):
		v.add(path+".type", "unknown input type %v; use one of %s", in["type"], strings.Join(inputTypes, ", "))
		return
	}
	if f, ok := in["format"]; ok {
		format, _ := f.(string)
		switch {
		case typ != "string":
			v.add(path+".format", "only string inputs have a format")
		case typ == "string" && !slices.Contains(formats, format):
			v.add(path+".format", "unknown format %v; use one of %s", f, strings.Join(formats, ", "))
		}
		if format == "entity" {
			if in.EntityBlueprint() == "" {
				v.add(path+".blueprint", "is required for entity inputs")
			}
			_, problems := in.Dataset()
			for _, p := range problems {
				v.add(path+".dataset", "%s", p)
			}
		}
	}
	if p, ok := in["pattern"]; ok {
		if s, isString := p.(string); !isString {
			v.add(path+".pattern", "must be a string")
		} else if _, err := regexp.Compile(s); err != nil {
			v.add(path+".pattern", "is not a valid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	for _, kw := range []string{"minLength", "maxLength", "minItems", "maxItems"} {
		if x, ok := in[kw]; ok {
			if n, isNum := x.(float64); !isNum || n < 0 || n != float64(int(n)) {
				v.add(path+"."+kw, "must be a whole number ≥ 0")
			}
		}
	}
	for _, kw := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} {
		if x, ok := in[kw]; ok {
			if _, isNum := x.(float64); !isNum {
				v.add(path+"."+kw, "must be a number")
			}
		}
	}
	if e, ok := in["enum"]; ok && !isDynamic(e) {
		if list, isList := e.([]any); !isList || len(list) == 0 {
			v.add(path+".enum", `must be a non-empty list or {"jqQuery": "..."}`)
		}
	}
	validateRules(path, in, v)
	if enc, ok := in["encryption"]; ok && enc != "aes256-gcm" {
		v.add(path+".encryption", `must be "aes256-gcm"`)
	}
	if _, multi, _ := in.EntityPicker(); multi {
		// A multi-entity input may hold its dataset on the array.
		if _, has := in["dataset"]; has {
			picker, _, _ := in.EntityPicker()
			_, problems := picker.Dataset()
			for _, p := range problems {
				v.add(path+".dataset", "%s", p)
			}
		}
	}
	if typ == "array" {
		if items, ok := in["items"]; ok {
			m, isObj := items.(map[string]any)
			if !isObj {
				v.add(path+".items", "must be an object describing each item")
			} else {
				validateInput(path+".items", m, formats, v)
			}
		}
	}
}

// addAll adds a message per field, in field order.
func (v *violations) addAll(byField map[string]string) {
	fields := make([]string, 0, len(byField))
	for f := range byField {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		v.add(f, "%s", byField[f])
	}
}

func (v violations) fieldsUnder(prefix string) []string {
	var out []string
	for _, x := range v {
		if strings.HasPrefix(x.Field, prefix) {
			out = append(out, x.Field)
		}
	}
	return out
}

func validateMapping(inv Invocation, v *violations) {
	if inv.BlueprintIdentifier == "" {
		v.add("invocationMethod.blueprintIdentifier", "is required")
	}
	m := inv.Mapping
	if m == nil {
		v.add("invocationMethod.mapping", "is required")
		return
	}
	if strings.TrimSpace(m.Identifier) == "" {
		v.add("invocationMethod.mapping.identifier", "is required")
	}
	fields := map[string]any{"identifier": m.Identifier, "title": m.Title, "team": m.Team, "icon": m.Icon}
	if m.Properties != nil {
		fields["properties"] = m.Properties
	}
	if m.Relations != nil {
		fields["relations"] = m.Relations
	}
	v.addAll(jqtemplate.Check(fields, "invocationMethod.mapping"))
}

func validateNotification(raw json.RawMessage, v *violations) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var n struct{ Type, Format, URL string }
	if err := json.Unmarshal(raw, &n); err != nil {
		v.add("approvalNotification", `must be {"type": "webhook", "format": "json" | "slack", "url": ...} or {"type": "email"}`)
		return
	}
	switch n.Type {
	case "email":
	case "webhook":
		if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("approvalNotification.url", "must be an http or https URL")
		}
		if n.Format != "" && n.Format != "json" && n.Format != "slack" {
			v.add("approvalNotification.format", `must be "json" or "slack"`)
		}
	default:
		v.add("approvalNotification.type", `must be "webhook" or "email"`)
	}
}
