package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/slipwayhq/slipway/runevents"
)

// runChanged tells live pages and WatchRun streams that the workflow
// changed runID (runevents). It never fails the activity: the row is
// written, and viewers' safety poll finds what a lost notification hid.
func (a *Activities) runChanged(ctx context.Context, runID string, c runevents.Change) {
	if a.Store == nil || a.Store.Pool == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := runevents.Notify(ctx, a.Store.Pool, runID, c); err != nil && activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("run change not notified; live pages see it at their next safety poll", "run", runID, "err", err)
	}
}
