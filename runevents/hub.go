package runevents

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// Change says what a viewer should re-read. Changes merge: the highest Seq
// and any State win, so a viewer that is slow to read loses nothing.
type Change struct {
	// Seq is the highest log line known to exist (0: not known).
	Seq int64
	// State is set when more than log lines may have changed (status,
	// labels, decisions) or when nothing more precise is known.
	State bool
	// At is when this process heard of the change (the latest, merged): a
	// read started at or after At sees it, so viewers woken together can
	// share one read.
	At time.Time
}

func (c Change) merge(o Change) Change {
	at := c.At
	if o.At.After(at) {
		at = o.At
	}
	return Change{Seq: max(c.Seq, o.Seq), State: c.State || o.State, At: at}
}

// Hub fans changes out to the viewers of each run, in one process. Publish
// never blocks: each subscription holds at most one merged change and one
// wake-up, however many changes arrive before its viewer reads.
type Hub struct {
	mu     sync.Mutex
	runs   map[string]map[*Subscription]struct{}
	closed bool
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{runs: map[string]map[*Subscription]struct{}{}} }

// Subscribe starts watching runID. Subscribe before the first read, so that
// no change between the read and the wait is missed; Close when done.
func (h *Hub) Subscribe(runID string) *Subscription {
	s := &Subscription{hub: h, runID: runKey(runID), wake: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.ended = true
		close(s.wake)
		return s
	}
	subs := h.runs[s.runID]
	if subs == nil {
		subs = map[*Subscription]struct{}{}
		h.runs[s.runID] = subs
	}
	subs[s] = struct{}{}
	return s
}

// Publish tells runID's viewers in this process what changed, stamped
// with the time it was heard of.
func (h *Hub) Publish(runID string, c Change) {
	c.At = time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.runs[runKey(runID)] {
		s.add(c)
	}
}

// PublishAll wakes every viewer to re-read in full: changes may have been
// missed (the listener reconnected).
func (h *Hub) PublishAll() {
	c := Change{State: true, At: time.Now()}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.runs {
		for s := range subs {
			s.add(c)
		}
	}
}

// Close ends every subscription (the server is shutting down, so that
// long-lived streams return); later subscriptions start ended.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, subs := range h.runs {
		for s := range subs {
			s.end()
		}
	}
	h.runs = map[string]map[*Subscription]struct{}{}
}

// Subscribers counts the open subscriptions (tests prove viewers leave none).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, subs := range h.runs {
		n += len(subs)
	}
	return n
}

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs := h.runs[s.runID]
	delete(subs, s)
	if len(subs) == 0 {
		delete(h.runs, s.runID)
	}
}

// Subscription is one viewer's interest in one run.
type Subscription struct {
	hub   *Hub
	runID string
	// wake holds at most one signal: more changes merge into pending.
	wake chan struct{}

	mu      sync.Mutex // guards pending and ended; the hub's lock may be held around it
	pending Change
	ended   bool
}

// Wake is signalled when a change is pending, and closed when the hub is.
func (s *Subscription) Wake() <-chan struct{} { return s.wake }

// Take returns the change pending since the last Take (the zero Change when
// none) and false once the hub has closed.
func (s *Subscription) Take() (Change, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.pending
	s.pending = Change{}
	return c, !s.ended
}

// Close stops the subscription; it is safe to call more than once.
func (s *Subscription) Close() { s.hub.remove(s) }

func (s *Subscription) add(c Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.pending = s.pending.merge(c)
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already waiting; it will find the merged change
	}
}

func (s *Subscription) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.ended = true
		close(s.wake)
	}
}

// runKey is the one spelling of a run id (a UUID in any case or form), so
// that a viewer and a notifier who spell it differently still meet.
func runKey(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return u.String()
	}
	return id
}
