package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/telemetry"
)

// Notification kinds.
const (
	NoticeWaiting  = "WAITING_FOR_APPROVAL" // to the approvers of a stage
	NoticeApproved = "APPROVED"             // to the requester
	NoticeEnded    = "ENDED"                // to the requester: success, failure, declined, expired, cancelled
)

// Notice is one thing a run tells people.
type Notice struct {
	RunID string
	// Event keys the notice within its run ("waiting/1", "ended"), so a
	// retried activity never notifies twice.
	Event string
	Kind  string
	Title string
	Body  string
	// Recipients get it in the portal (emails; unknown ones are skipped).
	Recipients []string
	// Run is what a webhook receiver learns of the run (secrets masked).
	Run map[string]any
}

// RecordNoticeInput adds a notice to the recipients' in-app lists.
type RecordNoticeInput struct{ Notice Notice }

// RecordNotice stores the in-app notifications; inserting twice is a no-op.
// Titles and bodies carry a run's status label, so they are scrubbed; what
// PostgreSQL still refuses ends the activity non-retryable (the workflow
// logs it and goes on: the run's own record is its row, not a notice).
func (a *Activities) RecordNotice(ctx context.Context, in RecordNoticeInput) error {
	runID, err := uuid.Parse(in.Notice.RunID)
	if err != nil {
		return malformedRunID(in.Notice.RunID, err)
	}
	for _, email := range in.Notice.Recipients {
		if err := a.Store.Q.InsertNotification(ctx, queries.InsertNotificationParams{
			RunID: runID, Event: db.ScrubText(in.Notice.Event, db.MaxIndexedText),
			Title: db.ScrubText(in.Notice.Title, db.MaxText), Body: db.ScrubText(in.Notice.Body, db.MaxText),
			Email: db.ScrubText(email, db.MaxIndexedText),
		}); err != nil {
			return storageError("notify "+email, err)
		}
	}
	return nil
}

// SendNoticeInput posts a notice to the action's notification webhook.
type SendNoticeInput struct {
	Notice Notice
	URL    string
	// Format is "json" (Slipway's shape) or "slack" (an incoming-webhook message).
	Format string
}

// SendNotice posts the notice, signed like backend calls. Every failure,
// 4xx included, is retried by Temporal until the receiver takes it: a
// receiver that is down or misconfigured for a while loses nothing. The one
// exception is an address SLIPWAY_OUTBOUND_DENY denies: that notice is
// dropped with an error log, since retrying cannot help and would hold the
// run's workflow open for the week notices may take.
func (a *Activities) SendNotice(ctx context.Context, in SendNoticeInput) error {
	body, err := noticeBody(in, a.PublicURL)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notification url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	a.sign(req, body, "x-slipway-")
	// Receivers deduplicate on this: the same on every attempt.
	req.Header.Set("Idempotency-Key", in.Notice.RunID+"/"+in.Notice.Event)
	telemetry.InjectTrace(ctx, req.Header)
	resp, err := a.httpClient().Do(req)
	if err != nil {
		if refused := refusedOutbound(err, "notification webhook"); refused != nil {
			// The host only: a Slack webhook's path is its secret.
			activity.GetLogger(ctx).Error("notification dropped", "run", in.Notice.RunID, "event", in.Notice.Event, "host", req.URL.Host, "err", refused)
			return refused
		}
		return fmt.Errorf("notification receiver unreachable: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode/100 != 2 {
		activity.GetLogger(ctx).Warn("notification refused", "status", resp.StatusCode, "url", in.URL)
		return fmt.Errorf("notification receiver answered %d", resp.StatusCode)
	}
	return nil
}

func noticeBody(in SendNoticeInput, publicURL string) ([]byte, error) {
	link := publicURL + "/runs/" + in.Notice.RunID
	if in.Format == "slack" {
		text := "*" + in.Notice.Title + "*"
		if in.Notice.Body != "" {
			text += "\n" + in.Notice.Body
		}
		text += "\n<" + link + "|Open the run>"
		return json.Marshal(map[string]any{"text": text})
	}
	return json.Marshal(map[string]any{
		"type": in.Notice.Kind, "event": in.Notice.Event, "title": in.Notice.Title, "body": in.Notice.Body,
		"link": link, "recipients": in.Notice.Recipients, "run": in.Notice.Run,
	})
}
