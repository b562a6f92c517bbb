// Package audit keeps Slipway's append-only record of every change and
// decision: who did what to which resource, from where, with the state
// before and after where it applies. PostgreSQL refuses to change or delete
// a recorded event (a trigger), so not even a bug in Slipway can rewrite it.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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

// Log lists recorded events. Events are not recorded through it: Record
// writes each in the transaction of the change it records.
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

// Record appends e in tx, the transaction of the change it records: the
// change commits with its event or not at all, so a refused event fails
// the change. Text a request put in (a backend's status label, an
// identifier) is scrubbed, so no value can keep its event out of the log.
func Record(ctx context.Context, tx db.Tx, e Event) error {
	p, err := insertParams(ctx, e)
	if err != nil {
		return err
	}
	if p.Before == nil && p.After == nil {
		_, err = tx.InsertAuditEvent(ctx, p)
	} else {
		err = insertKeepingWhatWasDone(ctx, tx, p)
	}
	if err != nil {
		return fmt.Errorf("audit %s %s %s: %w", p.Verb, p.ResourceType, p.ResourceID, err)
	}
	return nil
}

// insertKeepingWhatWasDone inserts an event with its values under a
// savepoint: when PostgreSQL refuses the values for good, what was done,
// by whom, to what is kept without them, and the event says why they are
// missing.
func insertKeepingWhatWasDone(ctx context.Context, tx db.Tx, p queries.InsertAuditEventParams) error {
	err := pgx.BeginFunc(ctx, tx.PG, func(sp pgx.Tx) error {
		_, err := tx.WithTx(sp).InsertAuditEvent(ctx, p)
		return err
	})
	if !db.Permanent(err) {
		return err
	}
	p.Before, p.After = nil, notRecorded(err)
	_, err = tx.InsertAuditEvent(ctx, p)
	return err
}

func insertParams(ctx context.Context, e Event) (queries.InsertAuditEventParams, error) {
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
			return p, fmt.Errorf("audit: run id %q: %w", e.RunID, err)
		}
		p.RunID = uuid.NullUUID{UUID: id, Valid: true}
	}
	var err error
	if p.Before, err = marshal(e.Before); err != nil {
		return p, err
	}
	p.After, err = marshal(e.After)
	return p, err
}

// RecordAlone records e in a transaction of its own, for a change no
// PostgreSQL transaction can join (a decision sent to a run's workflow),
// after that change was made.
func RecordAlone(ctx context.Context, store *db.Store, e Event) error {
	// The change is made: a cancelled request must not lose its record.
	ctx = context.WithoutCancel(ctx)
	return store.Change(ctx, func(tx db.Tx) error { return Record(ctx, tx, e) })
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

// Note records in tx that actor (zero: Slipway itself) did verb to a
// resource, with its state before and after where it applies.
func Note(ctx context.Context, tx db.Tx, actor slipway.User, verb, resourceType, resourceID string, before, after any) error {
	e := ActorEvent(ctx, actor, verb, resourceType, resourceID)
	e.Before, e.After = before, after
	return Record(ctx, tx, e)
}
