// Package audit keeps Slipway's append-only record of every change and
// decision: who did what to which resource, from where, with the state
// before and after where it applies. PostgreSQL refuses to change or delete
// a recorded event (a trigger), so not even a bug in Slipway can rewrite it.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// Origins say where a change came from (Port's run sources).
const (
	OriginUI         = "UI"
	OriginAPI        = "API"
	OriginAutomation = "AUTOMATION"
)

// Resource types.
const (
	ResourceAction    = "action"
	ResourceRun       = "run"
	ResourceBlueprint = "blueprint"
	ResourceEntity    = "entity"
	ResourceToken     = "token"
	ResourceSession   = "session"
)

// Actor of automation: expiry timers and other work nobody asked for.
const ActorSlipway = "slipway"

// Event is one audit record.
type Event struct {
	ID           int64
	At           time.Time
	ActorID      uuid.UUID // zero for automation and run tokens
	Actor        string    // email, "run:<id>" or ActorSlipway
	Verb         string
	ResourceType string
	ResourceID   string
	RunID        string
	// Before and After are JSON-marshalled; nil leaves them out.
	Before, After any
	Origin        string
}

// Log records and lists audit events. A nil Log records nothing, for
// services built without one (unit tests of other packages).
type Log struct {
	Store *db.Store
}

type originKey struct{}

// WithOrigin tags ctx with where its changes come from.
func WithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

// OriginFrom returns ctx's origin; API when untagged.
func OriginFrom(ctx context.Context) string {
	if o, ok := ctx.Value(originKey{}).(string); ok {
		return o
	}
	return OriginAPI
}

// ActorEvent starts an event done by u (a zero u is Slipway itself).
func ActorEvent(ctx context.Context, u slipway.User, verb, resourceType, resourceID string) Event {
	e := Event{ActorID: u.ID, Actor: u.Email, Verb: verb, ResourceType: resourceType, ResourceID: resourceID, Origin: OriginFrom(ctx)}
	if u.Email == "" {
		e.Actor, e.Origin = ActorSlipway, OriginAutomation
	}
	return e
}

// Record appends e. It runs on q when given (a transaction of the change
// itself), else on the store.
func (l *Log) Record(ctx context.Context, e Event) error {
	if l == nil {
		return nil
	}
	// Text a request put in (a backend's status label, an identifier) is
	// scrubbed, so no value can keep its event out of the log.
	p := queries.InsertAuditEventParams{
		Actor: db.ScrubText(e.Actor, db.MaxIndexedText), Verb: db.ScrubText(e.Verb, db.MaxIndexedText),
		ResourceType: db.ScrubText(e.ResourceType, db.MaxIndexedText), ResourceID: db.ScrubText(e.ResourceID, db.MaxIndexedText),
		Origin: e.Origin,
	}
	if p.Origin == "" {
		p.Origin = OriginFrom(ctx)
	}
	if e.ActorID != uuid.Nil {
		p.ActorID = uuid.NullUUID{UUID: e.ActorID, Valid: true}
	}
	if e.RunID == "" {
		e.RunID = RunFrom(ctx)
	}
	if e.RunID != "" {
		id, err := uuid.Parse(e.RunID)
		if err != nil {
			return fmt.Errorf("audit: run id %q: %w", e.RunID, err)
		}
		p.RunID = uuid.NullUUID{UUID: id, Valid: true}
	}
	var err error
	if p.Before, err = marshal(e.Before); err != nil {
		return err
	}
	if p.After, err = marshal(e.After); err != nil {
		return err
	}
	_, err = l.Store.Q.InsertAuditEvent(context.WithoutCancel(ctx), p)
	if db.Permanent(err) && (p.Before != nil || p.After != nil) {
		// What was done, by whom, to what is kept even when its values
		// cannot be: the event says why they are missing.
		p.Before, p.After = nil, notRecorded(err)
		_, err = l.Store.Q.InsertAuditEvent(context.WithoutCancel(ctx), p)
	}
	if err != nil {
		return fmt.Errorf("audit %s %s %s: %w", p.Verb, p.ResourceType, p.ResourceID, err)
	}
	return nil
}

// notRecorded stands for the before and after of an event PostgreSQL refused.
func notRecorded(err error) []byte {
	b, _ := json.Marshal(map[string]string{"notRecorded": "the values could not be stored: " + err.Error()})
	return db.ScrubJSON(b)
}

// marshal encodes a before or after value as jsonb stores it (scrubbed).
func marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		if len(raw) == 0 {
			return nil, nil
		}
		return db.ScrubJSON(raw), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal: %w", err)
	}
	return db.ScrubJSON(b), nil
}

type runKey struct{}

// WithRun tags ctx with the run its changes are made for (a backend writing
// entities on behalf of a run, an activity of a run).
func WithRun(ctx context.Context, runID string) context.Context {
	return context.WithValue(ctx, runKey{}, runID)
}

// RunFrom returns the run ctx is tagged with, if any.
func RunFrom(ctx context.Context) string {
	id, _ := ctx.Value(runKey{}).(string)
	return id
}

// Note records what actor (zero: Slipway itself) did, after the change
// has been made. No value can keep the event out (Record scrubs it, and
// records the event without its values if PostgreSQL still refuses them);
// a failure of the database itself is logged, not returned: the change
// stands, and the caller's answer should say so.
func (l *Log) Note(ctx context.Context, actor slipway.User, verb, resourceType, resourceID string, before, after any) {
	if l == nil {
		return
	}
	e := ActorEvent(ctx, actor, verb, resourceType, resourceID)
	e.Before, e.After = before, after
	if err := l.Record(ctx, e); err != nil {
		slog.ErrorContext(ctx, "audit event not recorded", "verb", verb, "resource", resourceType+"/"+resourceID, "err", err)
	}
}
