package selfservice

import (
	"context"
	"log/slog"
	"time"

	"github.com/slipwayhq/slipway/runevents"
)

// runChanged tells live pages and WatchRun streams in every web process
// that an update to run id completed (runevents). It runs even when the
// caller has gone (the change is made), and a failure only delays viewers
// until their safety poll.
func (s *Service) runChanged(ctx context.Context, id string) {
	if s.Store == nil || s.Store.Pool == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := runevents.Notify(ctx, s.Store.Pool, id, runevents.Change{State: true}); err != nil {
		slog.Warn("run change not notified; live pages see it at their next safety poll", "run", id, "err", err)
	}
}
