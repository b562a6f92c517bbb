package workflows

import (
	"context"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/secrets"
)

// applyForm checks the run's inputs against its form with the rules the
// starter applied (actions.ApplyForm), in the context the starter
// recorded (runs.Input.FormContext). It is pure but for jq's time limit,
// which is far above the starter's (actions.WorkflowFormLimit), so an
// expression that passed at the start passes again on replay.
func (r *run) applyForm(schema *actions.InputSchema) error {
	fc := r.in.FormContext()
	fc.Limit = actions.WorkflowFormLimit
	//workflowcheck:ignore
	_, err := schema.ApplyForm(context.Background(), r.in.Inputs, fc, secrets.IsSealed)
	return err
}
