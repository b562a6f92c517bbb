package activities

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway/runs"
)

// countRunEnd counts a run's end where its row first records it (SaveRun's
// save that wrote the final state), so retried saves and replays count it
// once. The row has the action and the start; reading it costs one query
// per run, at its end.
func (a *Activities) countRunEnd(ctx context.Context, id uuid.UUID, status runs.Status, endedAt time.Time) {
	if a.Metrics == nil {
		return
	}
	row, err := a.Store.Q.GetRun(ctx, id)
	if err != nil {
		slog.WarnContext(ctx, "run end not counted", "run", id, "err", err)
		return
	}
	a.Metrics.RunEnded(ctx, row.ActionIdentifier, string(status), endedAt.Sub(row.CreatedAt))
}
