package selfservice

import (
	"context"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
)

// formContext is what the rules of d's form see when actor fills it in
// for entity ("" for none): the entity as the run would get it, and actor.
func (s *Service) formContext(ctx context.Context, actor slipway.User, d actions.Definition, entity string) (actions.FormContext, error) {
	var snapshot map[string]any
	if strings.TrimSpace(entity) != "" && d.Trigger.Operation != actions.OperationCreate {
		var err error
		if snapshot, err = s.entitySnapshot(ctx, d, entity); err != nil {
			return actions.FormContext{}, err
		}
	}
	return formContextOf(actor, d, snapshot), nil
}

func formContextOf(actor slipway.User, d actions.Definition, snapshot map[string]any) actions.FormContext {
	return actions.FormContext{
		Entity: snapshot, User: actions.FormUserOf(actor),
		Operation: d.Trigger.Operation, Blueprint: d.Trigger.BlueprintIdentifier,
	}
}

// EvaluateForm evaluates the form of action for actor over values (the
// inputs so far) on entity: the portal's form shows this state, and a run
// started with the values is checked with the same rules (ApplyForm). An
// action actor may not run is not found.
func (s *Service) EvaluateForm(ctx context.Context, actor slipway.User, action, entity string, values map[string]any) (actions.Definition, actions.FormState, error) {
	d, err := s.ViewAction(ctx, actor, action)
	if err != nil {
		return actions.Definition{}, actions.FormState{}, err
	}
	fc, err := s.formContext(ctx, actor, d, entity)
	if err != nil {
		return actions.Definition{}, actions.FormState{}, err
	}
	return d, d.Trigger.UserInputs.Evaluate(ctx, values, fc), nil
}

// CheckForm checks values as a run's start would (ApplyForm), without
// starting anything: the portal's Next button checks a step with it.
func (s *Service) CheckForm(ctx context.Context, actor slipway.User, action, entity string, values map[string]any) error {
	d, err := s.ViewAction(ctx, actor, action)
	if err != nil {
		return err
	}
	fc, err := s.formContext(ctx, actor, d, entity)
	if err != nil {
		return err
	}
	schema, err := d.Schema()
	if err != nil {
		return err
	}
	_, err = schema.ApplyForm(ctx, values, fc, nil)
	return err
}
