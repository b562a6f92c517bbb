package frontend

import (
	"context"
	"time"

	"github.com/slipwayhq/slipway/runevents"
)

// DefaultLiveSafetyPoll is how often a live viewer re-reads its run with
// no notification: notifications are the way news arrives, this only
// bounds the delay of one lost while the listener reconnected.
const DefaultLiveSafetyPoll = 10 * time.Second

// awaitRunNews blocks a viewer that has every line up to after until its
// run may hold something new for it: a notification it has not seen the
// content of, or the safety poll. It reports false when the viewer should
// stop (it went away, or the server is shutting down).
func (s *Server) awaitRunNews(ctx context.Context, sub *runevents.Subscription, after int64) bool {
	safety := time.NewTimer(s.LiveSafetyPoll)
	defer safety.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-safety.C:
			return true
		case _, open := <-sub.Wake():
			c, ok := sub.Take()
			if !open || !ok {
				return false
			}
			// Lines this viewer already sent (the workflow storing what an
			// update had accepted) are no news.
			if c.State || c.Seq > after {
				return true
			}
		}
	}
}
