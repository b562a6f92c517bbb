package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/runs/backendrequest"
	"github.com/slipwayhq/slipway/telemetry"
)

// CallWebhookInput is one backend call.
type CallWebhookInput struct {
	// URL, Headers and Body may hold {{ jq }} templates over Data.
	URL     string
	Method  string
	Headers map[string]string
	// Body is the configured body; empty (or JSON null) sends Data itself.
	Body json.RawMessage `json:",omitempty"`
	// Data is the trigger data (Port's payload).
	Data json.RawMessage `json:",omitempty"`
	// Synchronized says the answer carries the run's outcome (Port's run
	// fields), so it is checked here (checkSyncAnswer).
	Synchronized bool `json:",omitempty"`
}

// CallWebhookResult is the backend's answer.
type CallWebhookResult struct {
	StatusCode int
	// Body is the start of the response body (at most 64 KiB).
	Body json.RawMessage
}

// ErrTypeBackendRejected marks a 4xx answer: permanent, not retried.
const ErrTypeBackendRejected = "backend_rejected"

// ErrTypeTemplate marks a template that failed to evaluate: permanent.
const ErrTypeTemplate = "template_failed"

// ErrTypeSecret marks secret inputs that cannot be decrypted: permanent.
const ErrTypeSecret = "secret_undecryptable"

// ErrTypeSecretMissing marks a named secret ({{ .secrets.NAME }}) that is
// not in the store (deleted since the definition was saved): permanent.
const ErrTypeSecretMissing = "secret_missing"

// ErrTypeOutboundDenied marks a call to an address SLIPWAY_OUTBOUND_DENY
// denies: permanent, only the operator's setting can change it.
const ErrTypeOutboundDenied = "outbound_denied"

const maxResponseBody = 64 << 10

// CallWebhook sends the signed request. Network errors, 5xx and 429 are
// retried by Temporal with backoff; any other 4xx fails for good.
func (a *Activities) CallWebhook(ctx context.Context, in CallWebhookInput) (CallWebhookResult, error) {
	idempotencyKey := callIdempotencyKey(ctx)

	// Secret inputs are decrypted here and nowhere else; whatever this call
	// returns or fails with (both land in the history, and labels in the
	// run row) has them masked.
	call, err := a.prepareCall(ctx, in.Data, in.URL, in.Headers, in.Body)
	if err != nil {
		return CallWebhookResult{}, err
	}
	redact := call.Redact
	rendered, err := backendrequest.Render(ctx, in.template(), call.Scope, call.Payload)
	if err != nil {
		return CallWebhookResult{}, temporal.NewNonRetryableApplicationError("template failed: "+redact.String(err.Error()), ErrTypeTemplate, nil)
	}
	body := rendered.Body
	var reader io.Reader
	if rendered.Method != http.MethodGet {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, rendered.Method, rendered.URL, reader)
	if err != nil {
		return CallWebhookResult{}, temporal.NewNonRetryableApplicationError("invalid backend request: "+redact.String(err.Error()), ErrTypeBackendRejected, nil)
	}
	for k, v := range rendered.Headers {
		req.Header.Set(k, v)
	}
	backendrequest.Sign(req.Header, a.WebhookSecret, body, time.Now())
	req.Header.Set(IdempotencyKeyHeader, idempotencyKey)
	req.Header.Set("User-Agent", "Slipway")
	telemetry.InjectTrace(ctx, req.Header)

	client := a.httpClient()
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return CallWebhookResult{}, ctx.Err()
		}
		if refused := refusedOutbound(err, "backend call"); refused != nil {
			return CallWebhookResult{}, refused // names an IP address, never the URL
		}
		// The error quotes the URL, which templates may have filled with a secret.
		return CallWebhookResult{}, errors.New("backend unreachable: " + redact.String(err.Error()))
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	res := CallWebhookResult{StatusCode: resp.StatusCode}
	if json.Valid(respBody) {
		res.Body = redact.JSON(respBody)
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if in.Synchronized {
			if err := checkSyncAnswer(res.Body); err != nil {
				return CallWebhookResult{}, temporal.NewNonRetryableApplicationError("backend answer refused: "+err.Error(), ErrTypeBackendRejected, nil)
			}
		}
		return res, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return res, fmt.Errorf("backend answered %s", resp.Status)
	default:
		return res, temporal.NewNonRetryableApplicationError("backend answered "+resp.Status, ErrTypeBackendRejected, nil)
	}
}

// template is the call's request as its definition configures it.
func (in CallWebhookInput) template() backendrequest.Template {
	return backendrequest.Template{URL: in.URL, Method: in.Method, Headers: in.Headers, Body: in.Body}
}

// callIdempotencyKey is the same on every attempt of one backend call
// (the activity's retries), so backends and consumers can deduplicate.
func callIdempotencyKey(ctx context.Context) string {
	info := activity.GetInfo(ctx)
	return info.WorkflowExecution.ID + "/" + info.ActivityID
}

// httpClient is the client for outgoing calls: Activities.HTTP (the worker
// sets one that enforces SLIPWAY_OUTBOUND_DENY), else one with a timeout
// and no deny list.
func (a *Activities) httpClient() *http.Client {
	if a.HTTP != nil {
		return a.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}
