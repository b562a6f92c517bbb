package actions

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Condition narrows the entities a DAY-2 or DELETE action is offered on,
// in Port's shape: {"type": "SEARCH", "combinator": "and"|"or", "rules":
// [{"property": "region", "operator": "=", "value": "eu"}, ...]}.
// Properties are the entity's properties, or "$identifier", "$title", "$team".
type Condition struct {
	Type       string          `json:"type"`
	Combinator string          `json:"combinator"`
	Rules      []ConditionRule `json:"rules"`
}

// ConditionRule is one test of a Condition.
type ConditionRule struct {
	Property string `json:"property"`
	Operator string `json:"operator"`
	Value    any    `json:"value,omitempty"`
}

var conditionOperators = []string{"=", "!=", ">", ">=", "<", "<=", "contains", "containsAny", "isEmpty", "isNotEmpty", "in"}

// ParseCondition reads a trigger condition; nil raw means "every entity".
func ParseCondition(raw json.RawMessage) (*Condition, []string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var c Condition
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, []string{"must be {\"type\": \"SEARCH\", \"combinator\": ..., \"rules\": [...]}"}
	}
	var problems []string
	if c.Type != "SEARCH" {
		problems = append(problems, `type must be "SEARCH"`)
	}
	if c.Combinator == "" {
		c.Combinator = "and"
	}
	if c.Combinator != "and" && c.Combinator != "or" {
		problems = append(problems, `combinator must be "and" or "or"`)
	}
	for i, r := range c.Rules {
		if r.Property == "" {
			problems = append(problems, fmt.Sprintf("rules[%d].property is required", i))
		}
		if !slices.Contains(conditionOperators, r.Operator) {
			problems = append(problems, fmt.Sprintf("rules[%d].operator must be one of %s", i, strings.Join(conditionOperators, ", ")))
		}
	}
	return &c, problems
}

// Matches reports whether an entity (Port's JSON shape) satisfies the condition.
func (c *Condition) Matches(entity map[string]any) bool {
	if c == nil || len(c.Rules) == 0 {
		return true
	}
	for _, r := range c.Rules {
		ok := r.matches(entity)
		if c.Combinator == "or" && ok {
			return true
		}
		if c.Combinator != "or" && !ok {
			return false
		}
	}
	return c.Combinator != "or"
}

func (r ConditionRule) matches(entity map[string]any) bool {
	var v any
	switch r.Property {
	case "$identifier":
		v = entity["identifier"]
	case "$title":
		v = entity["title"]
	case "$team":
		v = entity["team"]
	default:
		props, _ := entity["properties"].(map[string]any)
		v = props[r.Property]
	}
	switch r.Operator {
	case "=":
		return equalJSON(v, r.Value)
	case "!=":
		return !equalJSON(v, r.Value)
	case "isEmpty":
		return v == nil || v == ""
	case "isNotEmpty":
		return v != nil && v != ""
	case "contains":
		if s, ok := v.(string); ok {
			return strings.Contains(s, fmt.Sprint(r.Value))
		}
		list, _ := v.([]any)
		return slices.ContainsFunc(list, func(e any) bool { return equalJSON(e, r.Value) })
	case "in":
		list, _ := r.Value.([]any)
		return slices.ContainsFunc(list, func(e any) bool { return equalJSON(v, e) })
	case "containsAny":
		// The value (a list, or one item) shares an item with the property
		// (a list, or one item): "$team containsAny my teams".
		want, ok := r.Value.([]any)
		if !ok {
			want = []any{r.Value}
		}
		have, ok := v.([]any)
		if !ok {
			have = []any{v}
		}
		return slices.ContainsFunc(have, func(h any) bool {
			return h != nil && slices.ContainsFunc(want, func(w any) bool { return equalJSON(h, w) })
		})
	}
	a, aok := v.(float64)
	b, bok := r.Value.(float64)
	if !aok || !bok {
		return false
	}
	switch r.Operator {
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "<":
		return a < b
	case "<=":
		return a <= b
	}
	return false
}

// equalJSON compares decoded JSON values (numbers are float64 on both sides).
func equalJSON(a, b any) bool { return reflect.DeepEqual(a, b) }
