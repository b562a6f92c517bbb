package activities

import (
	"context"
	"fmt"
	"io"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/telemetry"
)

// RecordNoticeInput adds a notice to the recipients' in-app lists.
type RecordNoticeInput struct{ Notice notifications.Notice }

// RecordNotice stores the in-app notifications; inserting twice is a no-op.
// What PostgreSQL still refuses after scrubbing ends the activity
// non-retryable (the workflow logs it and goes on: the run's own record is
// its row, not a notice).
func (a *Activities) RecordNotice(ctx context.Context, in RecordNoticeInput) error {
	if err := (notifications.Inbox{Q: a.Store.Q}).Record(ctx, in.Notice); err != nil {
		return storageError("notice "+in.Notice.Event, err)
	}
	return nil
}

// SendNoticeInput posts a notice to the action's notification webhook.
type SendNoticeInput struct {
	Notice notifications.Notice
	URL    string
	// Format is notifications.FormatJSON or FormatSlack.
	Format string
}

// SendNotice posts the notice, signed like backend calls. Every failure,
// 4xx included, is retried by Temporal until the receiver takes it: a
// receiver that is down or misconfigured for a while loses nothing. The one
// exception is an address SLIPWAY_OUTBOUND_DENY denies: that notice is
// dropped with an error log, since retrying cannot help and would hold the
// run's workflow open for the week notices may take.
func (a *Activities) SendNotice(ctx context.Context, in SendNoticeInput) error {
	req, err := notifications.NewWebhookRequest(ctx, notifications.Webhook{
		URL: in.URL, Format: in.Format, PublicURL: a.PublicURL, Secret: a.WebhookSecret,
	}, in.Notice, time.Now())
	if err != nil {
		return err
	}
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
		activity.GetLogger(ctx).Warn("notification refused", "status", resp.StatusCode, "host", req.URL.Host)
		return fmt.Errorf("notification receiver answered %d", resp.StatusCode)
	}
	return nil
}
