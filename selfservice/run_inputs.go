package selfservice

// The checks of a run's inputs against the catalog and the directory, made
// when it starts.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
)

// entitySnapshot loads the run's entity from the action's blueprint, as
// the backend will see it in the payload.
func (s *Service) entitySnapshot(ctx context.Context, d actions.Definition, identifier string) (map[string]any, error) {
	if s.Catalog == nil || d.Trigger.BlueprintIdentifier == "" {
		return nil, slipway.FieldError("entity", "action %s is not bound to a blueprint", d.Identifier)
	}
	e, err := s.Catalog.GetEntity(ctx, d.Trigger.BlueprintIdentifier, identifier)
	if slipway.ErrorCode(err) == slipway.CodeNotFound {
		return nil, slipway.FieldError("entity", "no %s entity %q", d.Trigger.BlueprintIdentifier, identifier)
	}
	if err != nil {
		return nil, err
	}
	m := e.Map()
	cond, _ := actions.ParseCondition(d.Trigger.Condition)
	if !cond.Matches(m) {
		return nil, slipway.Errorf(slipway.CodePrecondition, "action %s is not offered on %s %q: its condition excludes it", d.Identifier, d.Trigger.BlueprintIdentifier, identifier)
	}
	return m, nil
}

// checkDirectoryInputs makes user, team and entity inputs name existing
// users, teams and entities the form offers.
// fc is the form's context, for entity inputs whose dataset uses it.
func (s *Service) checkDirectoryInputs(ctx context.Context, d actions.Definition, fc actions.FormContext, inputs map[string]any) error {
	var v []slipway.Violation
	for name, in := range d.Trigger.UserInputs.Properties {
		if _, multi, _ := in.EntityPicker(); multi {
			// An array of entities: each item is checked as one entity input.
			items, _ := inputs[name].([]any)
			for i, item := range items {
				id, _ := item.(string)
				problem, err := s.checkEntityInput(ctx, d, fc, inputs, name, id)
				if err != nil {
					return err
				}
				if problem != "" {
					v = append(v, slipway.Violation{Field: fmt.Sprintf("inputs.%s[%d]", name, i), Message: problem})
				}
			}
			continue
		}
		val, ok := inputs[name].(string)
		if !ok || val == "" {
			continue
		}
		switch in["format"] {
		case "user":
			if _, err := s.Store.Q.GetUserByEmail(ctx, val); err != nil {
				v = append(v, slipway.Violation{Field: "inputs." + name, Message: fmt.Sprintf("no user %q", val)})
			}
		case "team":
			if _, err := s.Store.Q.GetTeam(ctx, val); err != nil {
				v = append(v, slipway.Violation{Field: "inputs." + name, Message: fmt.Sprintf("no team %q", val)})
			}
		case "entity":
			problem, err := s.checkEntityInput(ctx, d, fc, inputs, name, val)
			if err != nil {
				return err
			}
			if problem != "" {
				v = append(v, slipway.Violation{Field: "inputs." + name, Message: problem})
			}
		}
	}
	slices.SortFunc(v, func(a, b slipway.Violation) int { return strings.Compare(a.Field, b.Field) })
	return slipway.Invalid("inputs", v)
}
