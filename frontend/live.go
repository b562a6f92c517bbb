package frontend

import (
	"context"
	"sync"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runevents"
	"github.com/slipwayhq/slipway/selfservice"
)

// DefaultLiveSafetyPoll is how often a live viewer re-reads its run with
// no notification: notifications are the way news arrives, this only
// bounds the delay of one lost while the listener reconnected.
const DefaultLiveSafetyPoll = 10 * time.Second

// liveNews says what a viewer's next read of its run must see.
type liveNews struct {
	// notBefore is when that read must start, at the earliest.
	notBefore time.Time
	// askWorkflow is set for the safety poll. A notification follows a
	// write (a run's row and lines are written before it is sent), so the
	// read it asks for reads rows alone: a workflow query waits behind the
	// run's workflow task and stalled live pages for half a second. The
	// poll also asks the workflow, for runs from before rows held every
	// report (CodeVersion 4).
	askWorkflow bool
}

// awaitRunNews blocks a viewer that has every line up to after until its
// run may hold something new for it: a notification it has not seen the
// content of, or the safety poll. It returns false when the viewer should
// stop (it went away, or the server is shutting down).
func (s *Server) awaitRunNews(ctx context.Context, sub *runevents.Subscription, after int64) (liveNews, bool) {
	safety := time.NewTimer(s.LiveSafetyPoll)
	defer safety.Stop()
	for {
		select {
		case <-ctx.Done():
			return liveNews{}, false
		case now := <-safety.C:
			return liveNews{notBefore: now, askWorkflow: true}, true
		case _, open := <-sub.Wake():
			c, ok := sub.Take()
			if !open || !ok {
				return liveNews{}, false
			}
			// Lines this viewer already sent (the workflow storing what an
			// update had accepted) are no news.
			if c.State || c.Seq > after {
				return liveNews{notBefore: c.At}, true
			}
		}
	}
}

// liveReads lets the viewers of a run that one notification woke share
// one read of it: a change costs one read per web process, not one per
// viewer.
type liveReads struct {
	mu      sync.Mutex
	flights map[string]*liveRead
}

type liveRead struct {
	started time.Time
	done    chan struct{}
	run     selfservice.Run
	err     error
}

// rereadRun reads run id for viewer as news asks, joining a read of it
// of the same kind already under way that started late enough.
func (s *Server) rereadRun(ctx context.Context, viewer slipway.User, id string, news liveNews) (selfservice.Run, error) {
	key, read := id, s.SelfService.Stored
	if news.askWorkflow {
		key, read = id+"/workflow", s.SelfService.Get
	}
	s.liveReads.mu.Lock()
	f := s.liveReads.flights[key]
	leader := f == nil || f.started.Before(news.notBefore)
	if leader {
		f = &liveRead{started: time.Now(), done: make(chan struct{})}
		if s.liveReads.flights == nil {
			s.liveReads.flights = map[string]*liveRead{}
		}
		s.liveReads.flights[key] = f
	}
	s.liveReads.mu.Unlock()
	if leader {
		// Read for every viewer waiting on it, even if this one leaves.
		readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		f.run, f.err = read(readCtx, id)
		cancel()
		close(f.done)
		s.liveReads.mu.Lock()
		if s.liveReads.flights[key] == f {
			delete(s.liveReads.flights, key)
		}
		s.liveReads.mu.Unlock()
	}
	select {
	case <-ctx.Done():
		return selfservice.Run{}, ctx.Err()
	case <-f.done:
	}
	if f.err != nil {
		return selfservice.Run{}, f.err
	}
	if !f.run.VisibleTo(viewer) {
		return selfservice.Run{}, slipway.Errorf(slipway.CodeNotFound, "run %s not found", id)
	}
	return f.run, nil
}
