package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
)

// HousekeepingWorkflowID is fixed: exactly one housekeeping workflow runs
// per namespace, however many workers start it.
const HousekeepingWorkflowID = "slipway-housekeeping"

// HousekeepingInput is the input of Housekeeping.
type HousekeepingInput struct {
	// Interval between rounds; default one hour.
	Interval time.Duration
	// Rounds bounds one run's history: after that many rounds the workflow
	// continues as new. Default 24.
	Rounds int
}

// Housekeeping periodically purges expired portal sessions. A workflow
// rather than a goroutine, so that it runs once per deployment, survives
// restarts and shows up in the Temporal Web UI.
func Housekeeping(ctx workflow.Context, in HousekeepingInput) error {
	h := &housekeeping{in: in}
	h.setup()
	return h.run(ctx)
}

type housekeeping struct {
	in HousekeepingInput
}

func (h *housekeeping) setup() {
	if h.in.Interval <= 0 {
		h.in.Interval = time.Hour
	}
	if h.in.Rounds <= 0 {
		h.in.Rounds = 24
	}
}

func (h *housekeeping) run(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var a *activities.Activities
	for range h.in.Rounds {
		var res activities.PurgeSessionsResult
		// A failed round is logged and retried next round: housekeeping must
		// never end because the database was briefly down.
		if err := workflow.ExecuteActivity(ctx, a.PurgeExpiredSessions, activities.PurgeSessionsInput{}).Get(ctx, &res); err != nil {
			workflow.GetLogger(ctx).Warn("session purge failed", "err", err)
		}
		if err := workflow.Sleep(ctx, h.in.Interval); err != nil {
			return err
		}
	}
	return workflow.NewContinueAsNewError(ctx, Housekeeping, h.in)
}
