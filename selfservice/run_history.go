package selfservice

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway/audit"
)

// RunEvent is one recorded change of a run, for its timeline.
type RunEvent struct {
	At     time.Time
	Actor  string
	Verb   string
	Origin string
	// After is what the event recorded: a status and label, a reason...
	After map[string]any
}

// runHistoryLimit bounds a timeline: a run with more events (a chatty
// backend's reports) shows its first ones and then its current state.
const runHistoryLimit = 200

// RunHistory is what the audit log recorded of run (request, decisions,
// reports, cancel, end), oldest first. run comes from View, which checked
// that the reader may see it.
func (s *Service) RunHistory(ctx context.Context, run Run) ([]RunEvent, error) {
	id, err := uuid.Parse(run.ID)
	if err != nil {
		return nil, err
	}
	events, err := audit.ForRun(ctx, s.Store, id, runHistoryLimit)
	if err != nil {
		return nil, err
	}
	out := make([]RunEvent, 0, len(events))
	for _, e := range events {
		if e.ResourceType != audit.ResourceRun {
			continue // an entity the run wrote: listed among its affected entities
		}
		ev := RunEvent{At: e.At, Actor: e.Actor, Verb: e.Verb, Origin: e.Origin}
		if raw, ok := e.After.(json.RawMessage); ok {
			_ = json.Unmarshal(raw, &ev.After)
		}
		out = append(out, ev)
	}
	return out, nil
}
