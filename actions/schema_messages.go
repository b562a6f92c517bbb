package actions

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// This file is the one place a JSON Schema violation becomes a sentence a
// person reads: forms, the API and entity properties all come through
// leafViolations. Messages complete the field's name ("inputs.days must be
// 1 to 14"), so they start with a verb and say what a good value looks like
// rather than echoing the validator's "maximum: got 45, want 14".

// violationMessage says what is wrong with the value at e's location; node
// is the input (or nested property/items schema) that declared the rule, or
// nil when it cannot be found.
func violationMessage(e *jsonschema.ValidationError, node map[string]any) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Minimum, *kind.Maximum:
		return "must be " + numberRange(node, k)
	case *kind.ExclusiveMinimum:
		return "must be more than " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be less than " + ratString(k.Want)
	case *kind.MultipleOf:
		return "must be a multiple of " + ratString(k.Want)
	case *kind.MinLength:
		return lengthRange(node, k.Want, -1, "minLength", "maxLength", "character")
	case *kind.MaxLength:
		return lengthRange(node, -1, k.Want, "minLength", "maxLength", "character")
	case *kind.MinItems:
		return lengthRange(node, k.Want, -1, "minItems", "maxItems", "item")
	case *kind.MaxItems:
		return lengthRange(node, -1, k.Want, "minItems", "maxItems", "item")
	case *kind.Pattern:
		if d, _ := node["description"].(string); strings.TrimSpace(d) != "" {
			return "is not in the expected form: " + strings.TrimSpace(d)
		}
		return "must match the pattern " + k.Want
	case *kind.Enum:
		return enumMessage(k.Want)
	case *kind.Const:
		return "must be " + display(k.Want)
	case *kind.Format:
		return formatMessage(k)
	case *kind.Type:
		return typeMessage(k.Want)
	case *kind.UniqueItems:
		return fmt.Sprintf("must not repeat an item (items %d and %d are the same)", k.Duplicates[0]+1, k.Duplicates[1]+1)
	}
	return e.ErrorKind.LocalizedString(printer())
}

// numberRange states the bounds the node declares together, so a value
// above the maximum reads "1 to 30" rather than only "at most 30".
func numberRange(node map[string]any, k jsonschema.ErrorKind) string {
	lo, hasLo := schemaNumber(node, "minimum")
	hi, hasHi := schemaNumber(node, "maximum")
	switch k := k.(type) {
	case *kind.Minimum:
		lo, hasLo = ratString(k.Want), true
	case *kind.Maximum:
		hi, hasHi = ratString(k.Want), true
	}
	switch {
	case hasLo && hasHi:
		return lo + " to " + hi
	case hasLo:
		return "at least " + lo
	default:
		return "at most " + hi
	}
}

// lengthRange words minLength/maxLength and minItems/maxItems; the bound
// that failed is given (-1 for the other) and the node supplies its partner.
func lengthRange(node map[string]any, lo, hi int, minKey, maxKey, unit string) string {
	if lo < 0 {
		lo = schemaInt(node, minKey)
	}
	if hi < 0 {
		hi = schemaInt(node, maxKey)
	}
	verb := "must be "
	suffix := " long"
	if unit == "item" {
		verb, suffix = "must have ", ""
	}
	switch {
	case lo > 0 && hi >= 0:
		return verb + strconv.Itoa(lo) + " to " + plural(hi, unit) + suffix
	case lo == 1 && unit == "character":
		return "must not be empty"
	case lo > 0:
		return verb + "at least " + plural(lo, unit) + suffix
	default:
		return verb + "at most " + plural(hi, unit) + suffix
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func enumMessage(want []any) string {
	if len(want) == 1 {
		return "must be " + display(want[0])
	}
	shown := make([]string, len(want))
	for i, w := range want {
		shown[i] = display(w)
	}
	return "must be one of " + strings.Join(shown, ", ")
}

// formatNames words the formats people meet in forms; others read
// "must be a valid <format>".
var formatNames = map[string]string{
	"email":     "an email address",
	"url":       "a URL such as https://example.com",
	"uri":       "a URI such as https://example.com",
	"date-time": "a date and time such as 2026-01-31T09:00:00Z",
	"date":      "a date such as 2026-01-31",
	"time":      "a time such as 09:00:00Z",
	"ipv4":      "an IPv4 address",
	"ipv6":      "an IPv6 address",
	"uuid":      "a UUID",
	"hostname":  "a host name",
	"user":      "a user",
	"team":      "a team",
	"entity":    "an entity identifier",
}

func formatMessage(k *kind.Format) string {
	if k.Want == "yaml" && k.Err != nil {
		return "must be valid YAML: " + firstLine(k.Err.Error())
	}
	if name, ok := formatNames[k.Want]; ok {
		return "must be " + name
	}
	return "must be a valid " + k.Want
}

var typeNames = map[string]string{
	"string":  "text",
	"number":  "a number",
	"integer": "a whole number",
	"boolean": "true or false",
	"array":   "a list",
	"object":  "an object",
	"null":    "empty",
}

func typeMessage(want []string) string {
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = typeNames[w]
		if names[i] == "" {
			names[i] = w
		}
	}
	return "must be " + strings.Join(names, " or ")
}

// display shows a value as it would be typed: strings quoted, numbers bare.
func display(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func schemaNumber(node map[string]any, key string) (string, bool) {
	switch n := node[key].(type) {
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64), true
	case int:
		return strconv.Itoa(n), true
	}
	return "", false
}

func schemaInt(node map[string]any, key string) int {
	switch n := node[key].(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return -1
}

// schemaNode finds the input (or the nested property or items schema) that
// declares the rules for the value at location.
func schemaNode(ui UserInputs, location []string) map[string]any {
	if len(location) == 0 {
		return nil
	}
	node := map[string]any(ui.Properties[location[0]])
	for _, seg := range location[1:] {
		if props, ok := node["properties"].(map[string]any); ok {
			if next, ok := props[seg].(map[string]any); ok {
				node = next
				continue
			}
		}
		items, ok := node["items"].(map[string]any)
		if !ok {
			return nil
		}
		node = items
	}
	return node
}
