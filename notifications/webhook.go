package notifications

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/slipwayhq/slipway/signing"
)

// Webhook body formats, as an action's approvalNotification names them.
const (
	FormatJSON  = "json"  // Slipway's shape, the default
	FormatSlack = "slack" // a Slack incoming-webhook message
)

// Webhook is where and how a notice is posted.
type Webhook struct {
	URL    string
	Format string
	// PublicURL is the portal's, for the link to the run.
	PublicURL string
	// Secret signs the request like backend calls (x-slipway-* headers).
	Secret []byte
}

// NewWebhookRequest builds the signed POST of n to w. Its Idempotency-Key
// is the same on every attempt, so receivers can deduplicate retries.
func NewWebhookRequest(ctx context.Context, w Webhook, n Notice, now time.Time) (*http.Request, error) {
	raw, err := body(n, w.Format, w.PublicURL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("notification url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	signing.SetHeaders(req.Header, w.Secret, raw, now, signing.SlipwayPrefix)
	req.Header.Set("Idempotency-Key", n.RunID+"/"+n.Event)
	return req, nil
}

// body is the webhook body of n in format (FormatJSON when empty).
func body(n Notice, format, publicURL string) ([]byte, error) {
	link := publicURL + "/runs/" + n.RunID
	if format == FormatSlack {
		text := "*" + n.Title + "*"
		if n.Body != "" {
			text += "\n" + n.Body
		}
		text += "\n<" + link + "|Open the run>"
		return json.Marshal(map[string]any{"text": text})
	}
	return json.Marshal(map[string]any{
		"type": n.Kind, "event": n.Event, "title": n.Title, "body": n.Body,
		"link": link, "recipients": n.Recipients, "run": n.Run,
	})
}
