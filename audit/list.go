package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// Filter narrows ListEvents; zero fields match everything.
type Filter struct {
	ResourceType, ResourceID, Actor, RunID string
	Since, Until                           time.Time
	PageSize                               int
	// PageToken continues from a previous page.
	PageToken string
}

// List returns a page of events, newest first, and the next page token.
// Admins only: the log holds everyone's doings.
func (l *Log) List(ctx context.Context, actor slipway.User, f Filter) ([]Event, string, error) {
	if !actor.IsAdmin() {
		return nil, "", slipway.Errorf(slipway.CodePermission, "only admins may read the audit log")
	}
	p := queries.ListAuditEventsParams{
		ResourceType: db.OptionalText(f.ResourceType), ResourceID: db.OptionalText(f.ResourceID), Actor: db.OptionalText(f.Actor),
	}
	if f.RunID != "" {
		id, err := uuid.Parse(f.RunID)
		if err != nil {
			return nil, "", slipway.FieldError("run_id", "must be a run id (UUID)")
		}
		p.RunID = uuid.NullUUID{UUID: id, Valid: true}
	}
	if !f.Since.IsZero() {
		p.Since = &f.Since
	}
	if !f.Until.IsZero() {
		p.Until = &f.Until
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return nil, "", slipway.FieldError("until", "must be after since")
	}
	if f.PageToken != "" {
		before, err := strconv.ParseInt(f.PageToken, 36, 64)
		if err != nil || before <= 0 {
			return nil, "", slipway.FieldError("page_token", "is not a token from a previous page")
		}
		p.BeforeID = pgtype.Int8{Int64: before, Valid: true}
	}
	if f.PageSize <= 0 || f.PageSize > 500 {
		f.PageSize = 100
	}
	p.PageSize = int32(f.PageSize + 1)
	rows, err := l.Store.Q.ListAuditEvents(ctx, p)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > f.PageSize {
		rows = rows[:f.PageSize]
		next = strconv.FormatInt(rows[len(rows)-1].ID, 36)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, next, nil
}

func fromRow(r queries.AuditEvent) Event {
	e := Event{ID: r.ID, At: r.At, ActorID: r.ActorID.UUID, Actor: r.Actor, Verb: r.Verb,
		ResourceType: r.ResourceType, ResourceID: r.ResourceID, Origin: r.Origin}
	if r.RunID.Valid {
		e.RunID = r.RunID.UUID.String()
	}
	if len(r.Before) > 0 {
		e.Before = json.RawMessage(r.Before)
	}
	if len(r.After) > 0 {
		e.After = json.RawMessage(r.After)
	}
	return e
}

// ForRun returns the events of run id in the order they happened, at most
// limit (the first ones). It checks no permission: the caller shows them
// to someone who may see the run (the run page's timeline).
func ForRun(ctx context.Context, store *db.Store, id uuid.UUID, limit int) ([]Event, error) {
	rows, err := store.Q.ListAuditEvents(ctx, queries.ListAuditEventsParams{RunID: uuid.NullUUID{UUID: id, Valid: true}, PageSize: int32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[len(rows)-1-i] = fromRow(r) // the query answers newest first
	}
	return out, nil
}
