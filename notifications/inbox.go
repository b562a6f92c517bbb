package notifications

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// Queries are the statements the inbox runs; *queries.Queries satisfies
// it, on the pool or in a transaction.
type Queries interface {
	InsertNotification(context.Context, queries.InsertNotificationParams) error
	ListNotifications(context.Context, queries.ListNotificationsParams) ([]queries.Notification, error)
	CountUnreadNotifications(ctx context.Context, userID uuid.UUID) (int64, error)
	MarkNotificationsRead(ctx context.Context, userID uuid.UUID) (int64, error)
}

// Inbox is the users' in-app notifications.
type Inbox struct{ Q Queries }

// Notification is one entry of a user's inbox.
type Notification struct {
	ID          int64
	RunID       string
	Title, Body string
	At          time.Time
	Read        bool
}

// Record adds n to each recipient's inbox; recording it twice is a no-op
// and unknown recipients are skipped. Titles and bodies carry a run's
// status label, so they are scrubbed of what PostgreSQL cannot store.
func (i Inbox) Record(ctx context.Context, n Notice) error {
	runID, err := uuid.Parse(n.RunID)
	if err != nil {
		return slipway.FieldError("notice.runId", "must be a run id: %q", n.RunID)
	}
	for _, email := range n.Recipients {
		if err := i.Q.InsertNotification(ctx, queries.InsertNotificationParams{
			RunID: runID, Event: db.ScrubText(n.Event, db.MaxIndexedText),
			Title: db.ScrubText(n.Title, db.MaxText), Body: db.ScrubText(n.Body, db.MaxText),
			Email: db.ScrubText(email, db.MaxIndexedText),
		}); err != nil {
			return fmt.Errorf("notify %s: %w", email, err)
		}
	}
	return nil
}

// List returns the user's newest notifications, at most limit of them.
func (i Inbox) List(ctx context.Context, userID uuid.UUID, limit int32) ([]Notification, error) {
	rows, err := i.Q.ListNotifications(ctx, queries.ListNotificationsParams{UserID: userID, PageSize: limit})
	if err != nil {
		return nil, err
	}
	out := make([]Notification, len(rows))
	for k, n := range rows {
		out[k] = Notification{ID: n.ID, RunID: n.RunID.String(), Title: n.Title, Body: n.Body, At: n.CreatedAt, Read: n.ReadAt != nil}
	}
	return out, nil
}

// Unread counts the user's unread notifications.
func (i Inbox) Unread(ctx context.Context, userID uuid.UUID) (int64, error) {
	return i.Q.CountUnreadNotifications(ctx, userID)
}

// MarkAllRead marks every notification of the user as read.
func (i Inbox) MarkAllRead(ctx context.Context, userID uuid.UUID) error {
	_, err := i.Q.MarkNotificationsRead(ctx, userID)
	return err
}
