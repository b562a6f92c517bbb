package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
)

// Names of the entity expiry workflow.
const (
	EntityExpiryName  = "EntityExpiry"
	SignalReschedule  = "reschedule"
	expiryReschedules = 200 // then continue as new
)

// EntityExpiryID is one workflow per entity: moving the expiry time signals it.
func EntityExpiryID(blueprint, identifier string) string {
	return fmt.Sprintf("expiry-%s/%s", blueprint, identifier)
}

// EntityExpiryInput is the input of EntityExpiry.
type EntityExpiryInput struct {
	Blueprint, Identifier string
	ExpiresAt             time.Time
}

// EntityExpiry waits, on a durable timer, until the entity's timer property
// passes, then expires the entity (and runs the blueprint's expiry action).
// A reschedule signal moves the timer; a zero time stops it.
func EntityExpiry(ctx workflow.Context, in EntityExpiryInput) error {
	signals := workflow.GetSignalChannel(ctx, SignalReschedule)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for range expiryReschedules {
		// Signals that arrived first (signal-with-start) set the time.
		for {
			var at time.Time
			if !signals.ReceiveAsync(&at) {
				break
			}
			in.ExpiresAt = at
		}
		if in.ExpiresAt.IsZero() {
			return nil
		}
		timerCtx, cancelTimer := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(timerCtx, max(in.ExpiresAt.Sub(workflow.Now(ctx)), 0))
		fired := false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) { fired = true })
		sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
			var at time.Time
			c.Receive(ctx, &at)
			in.ExpiresAt = at
		})
		sel.Select(ctx)
		cancelTimer()
		if fired {
			var a *activities.Activities
			return workflow.ExecuteActivity(ctx, a.ExpireEntity, activities.ExpireEntityInput{Blueprint: in.Blueprint, Identifier: in.Identifier}).Get(ctx, nil)
		}
	}
	return workflow.NewContinueAsNewError(ctx, EntityExpiry, in)
}
