package actions

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// EntityBlueprint is the blueprint a format "entity" input picks from.
func (in Input) EntityBlueprint() string {
	bp, _ := in["blueprint"].(string)
	return bp
}

// Dataset narrows the entities an entity input offers, in Port's shape:
// {"combinator": "and", "rules": [{"property": "$team", "operator": "in",
// "value": {"jqQuery": "[.user.teams[]]"}}]}. A rule's value may be a jq
// query over the picker's context (the signed-in user), evaluated per request.
func (in Input) Dataset() (*Condition, []string) {
	raw, ok := in["dataset"]
	if !ok || raw == nil {
		return nil, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, []string{`must be {"combinator": "and" | "or", "rules": [...]}`}
	}
	if _, has := obj["type"]; !has {
		// Port's dataset is a condition without the SEARCH type.
		withType := map[string]any{"type": "SEARCH"}
		for k, v := range obj {
			withType[k] = v
		}
		obj = withType
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, []string{"must be a JSON object"}
	}
	c, problems := ParseCondition(b)
	if c != nil {
		for i, r := range c.Rules {
			if q, ok := jqQuery(r.Value); ok {
				if err := jqtemplate.CheckExpr(q); err != nil {
					problems = append(problems, fmt.Sprintf("rules[%d].value.jqQuery: %v", i, err))
				}
			}
		}
	}
	return c, problems
}

// Resolve evaluates the rules' jqQuery values over data and returns a
// condition holding plain values.
func (c *Condition) Resolve(ctx context.Context, data any) (*Condition, error) {
	if c == nil {
		return nil, nil
	}
	out := *c
	out.Rules = make([]ConditionRule, len(c.Rules))
	for i, r := range c.Rules {
		if q, ok := jqQuery(r.Value); ok {
			v, err := jqtemplate.Eval(ctx, q, data)
			if err != nil {
				return nil, fmt.Errorf("rules[%d].value: %w", i, err)
			}
			r.Value = v
		}
		out.Rules[i] = r
	}
	return &out, nil
}

// jqQuery recognises Port's {"jqQuery": "..."} value.
func jqQuery(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	q, ok := m["jqQuery"].(string)
	return q, ok
}

// EntitySort is the order an entity input offers its entities in (Port's
// "sort": {"property": "$title", "order": "ASC" | "DESC"}); property is ""
// when the input does not say.
func (in Input) EntitySort() (property string, descending bool) {
	m, _ := in["sort"].(map[string]any)
	property, _ = m["property"].(string)
	return property, m["order"] == "DESC"
}

// EntityPicker is the entity input that picks for in: in itself for a
// format "entity" input, its items for an array of entities (Port's
// multi-entity input, whose dataset and sort may sit on the array or on its
// items). ok is false for other inputs.
func (in Input) EntityPicker() (picker Input, multi, ok bool) {
	if in["format"] == "entity" {
		return in, false, true
	}
	items, _ := in["items"].(map[string]any)
	if in["type"] != "array" || items == nil || items["format"] != "entity" {
		return nil, false, false
	}
	picker = Input{}
	for k, v := range items {
		picker[k] = v
	}
	for _, kw := range []string{"dataset", "sort"} {
		if v, has := in[kw]; has {
			picker[kw] = v
		}
	}
	return picker, true, true
}
