package worker

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/workflows"
)

// ExpiryScheduler keeps one EntityExpiry workflow per expiring entity.
type ExpiryScheduler struct {
	Client client.Client
}

// ScheduleExpiry starts the entity's expiry workflow or moves its timer; a
// zero time stops it.
func (s ExpiryScheduler) ScheduleExpiry(ctx context.Context, blueprint, identifier string, at time.Time) error {
	id := workflows.EntityExpiryID(blueprint, identifier)
	if at.IsZero() {
		err := s.Client.SignalWorkflow(ctx, id, "", workflows.SignalReschedule, time.Time{})
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil // no timer to stop
		}
		return err
	}
	_, err := s.Client.SignalWithStartWorkflow(ctx, id, workflows.SignalReschedule, at,
		client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
		workflows.EntityExpiryName, workflows.EntityExpiryInput{Blueprint: blueprint, Identifier: identifier, ExpiresAt: at})
	return err
}
