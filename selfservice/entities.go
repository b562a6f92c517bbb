package selfservice

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

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
// form holds the values of the form so far, for datasets that use .form;
// entity is the run's own entity, for datasets that use .entity.
func (s *Service) EntityChoices(ctx context.Context, actor slipway.User, action, input, search string, form map[string]any, entity string) ([]catalog.Entity, error) {
	d, err := s.ViewAction(ctx, actor, action)
	if err != nil {
		return nil, err
	}
	fc, err := s.formContext(ctx, actor, d, entity)
	if err != nil {
		return nil, err
	}
	blueprint, cond, err := s.entityRule(ctx, d, input, fc, form)
	if err != nil {
		return nil, err
	}
	if s.Catalog == nil {
		return nil, slipway.Errorf(slipway.CodePrecondition, "the catalog is not served here")
	}
	// Conditions are checked in Go, so read a few pages' worth and keep
	// the first matches; a search narrows further. A sorted input sorts
	// the matches of those pages.
	picker, _, _ := d.Trigger.UserInputs.Properties[input].EntityPicker()
	sortBy, descending := picker.EntitySort()
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
				if len(out) == MaxEntityChoices && sortBy == "" {
					return out, nil
				}
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	if sortBy != "" {
		sortEntities(out, sortBy, descending)
	}
	return out[:min(len(out), MaxEntityChoices)], nil
}

// sortEntities orders entities by a property ($identifier, $title, $team,
// $createdAt, $updatedAt or one of theirs): numbers as numbers, the rest
// as text, entities without it last.
func sortEntities(list []catalog.Entity, property string, descending bool) {
	key := func(e catalog.Entity) any {
		switch property {
		case "$identifier":
			return e.Identifier
		case "$title":
			return e.Title
		case "$team":
			return e.Team
		case "$createdAt":
			return e.CreatedAt.UTC().Format(time.RFC3339Nano)
		case "$updatedAt":
			return e.UpdatedAt.UTC().Format(time.RFC3339Nano)
		}
		return e.Properties[property]
	}
	slices.SortStableFunc(list, func(a, b catalog.Entity) int {
		ka, kb := key(a), key(b)
		switch {
		case ka == nil && kb == nil:
			return 0
		case ka == nil:
			return 1
		case kb == nil:
			return -1
		}
		c := 0
		na, aNum := ka.(float64)
		nb, bNum := kb.(float64)
		if aNum && bNum {
			c = cmp.Compare(na, nb)
		} else {
			c = strings.Compare(fmt.Sprint(ka), fmt.Sprint(kb))
		}
		if descending {
			c = -c
		}
		return c
	})
}

// entityRule gives the blueprint and condition an entity must satisfy to
// be chosen for input ("" for the run's own entity).
func (s *Service) entityRule(ctx context.Context, d actions.Definition, input string, fc actions.FormContext, form map[string]any) (string, *actions.Condition, error) {
	if input == "" {
		if d.Trigger.Operation == actions.OperationCreate {
			return "", nil, slipway.FieldError("input", "%s actions do not run on an entity", d.Trigger.Operation)
		}
		cond, _ := actions.ParseCondition(d.Trigger.Condition)
		return d.Trigger.BlueprintIdentifier, cond, nil
	}
	in, _, ok := d.Trigger.UserInputs.Properties[input].EntityPicker()
	if !ok {
		return "", nil, slipway.FieldError("input", "action %s has no entity input %q", d.Identifier, input)
	}
	dataset, _ := in.Dataset()
	cond, err := dataset.Resolve(ctx, fc.Data(form))
	if err != nil {
		return "", nil, slipway.Errorf(slipway.CodePrecondition, "action %s: inputs.%s.dataset: %v", d.Identifier, input, err)
	}
	return in.EntityBlueprint(), cond, nil
}

// checkEntityInput makes an entity input name an entity its form could offer.
func (s *Service) checkEntityInput(ctx context.Context, d actions.Definition, fc actions.FormContext, form map[string]any, name, identifier string) (string, error) {
	blueprint, cond, err := s.entityRule(ctx, d, name, fc, form)
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
