package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slipwayhq/slipway"
)

// Parse reads a definition in Port's current shape or its legacy shape
// (`"trigger": "CREATE"` with userInputs at the top level), normalises it
// to the current shape and validates it. Every problem is reported with its
// field path in one error.
func Parse(raw []byte) (Definition, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return Definition{}, slipway.FieldError("action", "must be a JSON object")
	}
	var v violations
	normaliseLegacy(top, &v)

	var d Definition
	decodeField(top, "identifier", &d.Identifier, &v)
	decodeField(top, "title", &d.Title, &v)
	decodeField(top, "icon", &d.Icon, &v)
	decodeField(top, "description", &d.Description, &v)
	decodeField(top, "requiredApproval", &d.RequiredApproval, &v)
	decodeField(top, "approvalNotification", &d.ApprovalNotification, &v)
	decodeField(top, "publish", &d.Publish, &v)
	decodeField(top, "allowAnyoneToViewRuns", &d.AllowAnyoneToViewRuns, &v)
	decodeField(top, "approvers", &d.Approvers, &v)
	decodeField(top, "permissions", &d.Permissions, &v)
	decodeField(top, "approvalStages", &d.ApprovalStages, &v)
	decodeField(top, "allowSelfApproval", &d.AllowSelfApproval, &v)
	decodeField(top, "approvalTtl", &d.ApprovalTTL, &v)
	decodeField(top, "runTimeout", &d.RunTimeout, &v)
	decodeField(top, "retryPolicy", &d.RetryPolicy, &v)

	if rawTrigger, ok := top["trigger"]; !ok {
		v.add("trigger", "is required")
	} else {
		var t map[string]json.RawMessage
		if err := json.Unmarshal(rawTrigger, &t); err != nil || t == nil {
			v.add("trigger", `must be an object {"type": "self-service", "operation": ...} or one of "CREATE", "DAY-2", "DELETE"`)
		} else {
			decodeField(t, "type", &d.Trigger.Type, &v, "trigger")
			decodeField(t, "operation", &d.Trigger.Operation, &v, "trigger")
			decodeField(t, "blueprintIdentifier", &d.Trigger.BlueprintIdentifier, &v, "trigger")
			decodeField(t, "userInputs", &d.Trigger.UserInputs, &v, "trigger")
			decodeField(t, "condition", &d.Trigger.Condition, &v, "trigger")
		}
	}
	if rawInv, ok := top["invocationMethod"]; !ok {
		v.add("invocationMethod", "is required")
	} else if err := json.Unmarshal(rawInv, &d.InvocationMethod); err != nil {
		v.add("invocationMethod", "%s", describeJSONError(err))
	}

	if len(v) == 0 {
		d.normalise()
		validate(&d, &v)
	}
	if err := slipway.Invalid("action definition", v); err != nil {
		return Definition{}, err
	}
	return d, nil
}

// normaliseLegacy rewrites the legacy shape in place.
func normaliseLegacy(top map[string]json.RawMessage, v *violations) {
	rawTrigger, ok := top["trigger"]
	if !ok || !bytes.HasPrefix(bytes.TrimSpace(rawTrigger), []byte(`"`)) {
		return
	}
	var op string
	_ = json.Unmarshal(rawTrigger, &op)
	t := map[string]json.RawMessage{
		"type":      json.RawMessage(`"self-service"`),
		"operation": mustJSON(op),
	}
	if ui, ok := top["userInputs"]; ok {
		t["userInputs"] = ui
		delete(top, "userInputs")
	}
	for _, key := range []string{"blueprintIdentifier", "blueprint"} {
		if bp, ok := top[key]; ok {
			t["blueprintIdentifier"] = bp
			delete(top, key)
		}
	}
	top["trigger"] = mustJSON(t)
}

// normalise fills the defaults Port applies.
func (d *Definition) normalise() {
	if d.Trigger.Type == "" {
		d.Trigger.Type = "self-service"
	}
	if d.Trigger.UserInputs.Properties == nil {
		d.Trigger.UserInputs.Properties = map[string]Input{}
	}
	if d.InvocationMethod.Type == InvocationWebhook && d.InvocationMethod.Method == "" {
		d.InvocationMethod.Method = "POST"
	}
}

func decodeField(obj map[string]json.RawMessage, key string, dst any, v *violations, prefix ...string) {
	raw, ok := obj[key]
	if !ok {
		return
	}
	path := key
	if len(prefix) > 0 {
		path = prefix[0] + "." + key
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		v.add(path, "%s", describeJSONError(err))
	}
}

// describeJSONError turns a decoding error into a message without Go type names.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := ""
		if te.Field != "" {
			where = " at " + te.Field
		}
		return fmt.Sprintf("expected %s%s, got %s", jsonKind(te.Type.Kind().String()), where, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "is not valid JSON"
	}
	return err.Error()
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "a list"
	case "int", "int64", "float64", "int32":
		return "a number"
	}
	return "another type"
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with values that always marshal
	}
	return b
}

// violations collects every problem of a definition.
type violations []slipway.Violation

func (v *violations) add(field, format string, args ...any) {
	*v = append(*v, slipway.Violation{Field: field, Message: fmt.Sprintf(format, args...)})
}
