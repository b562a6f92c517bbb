package selfservice

import (
	"context"
	"fmt"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
)

// MaxEntityChoices bounds one picker answer: the picker is a search, not a list.
const MaxEntityChoices = 20

// EntityChoices lists the entities an execute form may offer, matching
// search: for input "" the run's own entity (the action's blueprint and
// condition), otherwise a format "entity" input (its blueprint and dataset).
// An action actor may not run is not found.
func (s *Service) EntityChoices(ctx context.Context, actor slipway.User, action, input, search string) ([]catalog.Entity, error) {
	d, err := s.ViewAction(ctx, actor, action)
	if err != nil {
		return nil, err
	}
	blueprint, cond, err := s.entityRule(ctx, actor, d, input)
	if err != nil {
		return nil, err
	}
	if s.Catalog == nil {
		return nil, slipway.Errorf(slipway.CodePrecondition, "the catalog is not served here")
	}
	// Conditions are checked in Go, so read a few pages' worth and keep
	// the first matches; a search narrows further.
	var out []catalog.Entity
	after := ""
	for range 5 {
		page, next, err := s.Catalog.ListEntities(ctx, catalog.Filter{Blueprint: blueprint, Search: search, PageSize: 100, After: after})
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if cond.Matches(e.Map()) {
				out = append(out, e)
				if len(out) == MaxEntityChoices {
					return out, nil
				}
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	return out, nil
}

// entityRule gives the blueprint and condition an entity must satisfy to
// be chosen for input ("" for the run's own entity).
func (s *Service) entityRule(ctx context.Context, actor slipway.User, d actions.Definition, input string) (string, *actions.Condition, error) {
	if input == "" {
		if d.Trigger.Operation == actions.OperationCreate {
			return "", nil, slipway.FieldError("input", "%s actions do not run on an entity", d.Trigger.Operation)
		}
		cond, _ := actions.ParseCondition(d.Trigger.Condition)
		return d.Trigger.BlueprintIdentifier, cond, nil
	}
	in, ok := d.Trigger.UserInputs.Properties[input]
	if !ok || in["format"] != "entity" {
		return "", nil, slipway.FieldError("input", "action %s has no entity input %q", d.Identifier, input)
	}
	dataset, _ := in.Dataset()
	cond, err := dataset.Resolve(ctx, pickerContext(actor))
	if err != nil {
		return "", nil, slipway.Errorf(slipway.CodePrecondition, "action %s: inputs.%s.dataset: %v", d.Identifier, input, err)
	}
	return in.EntityBlueprint(), cond, nil
}

// pickerContext is what a dataset's jqQuery values are evaluated over.
func pickerContext(actor slipway.User) map[string]any {
	teams := make([]any, 0, len(actor.Teams))
	for _, t := range actor.Teams {
		teams = append(teams, t.Identifier)
	}
	return map[string]any{"user": map[string]any{
		"email": actor.Email, "name": actor.Name, "role": string(actor.Role), "teams": teams,
	}}
}

// checkEntityInput makes an entity input name an entity its form could offer.
func (s *Service) checkEntityInput(ctx context.Context, actor slipway.User, d actions.Definition, name, identifier string) (string, error) {
	blueprint, cond, err := s.entityRule(ctx, actor, d, name)
	if err != nil {
		return "", err
	}
	if s.Catalog == nil {
		return "", slipway.Errorf(slipway.CodePrecondition, "the catalog is not served here")
	}
	e, err := s.Catalog.GetEntity(ctx, blueprint, identifier)
	if slipway.ErrorCode(err) == slipway.CodeNotFound {
		return fmt.Sprintf("no %s entity %q", blueprint, identifier), nil
	}
	if err != nil {
		return "", err
	}
	if !cond.Matches(e.Map()) {
		return fmt.Sprintf("%s %q is not among the entities this input offers", blueprint, identifier), nil
	}
	return "", nil
}
