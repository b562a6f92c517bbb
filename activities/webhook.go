package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// CallWebhookInput is one backend call.
type CallWebhookInput struct {
	URL     string
	Method  string
	Headers map[string]string
	// Body is sent as is (JSON).
	Body json.RawMessage
}

// CallWebhookResult is the backend's answer.
type CallWebhookResult struct {
	StatusCode int
	// Body is the start of the response body (at most 64 KiB).
	Body json.RawMessage
}

// ErrTypeBackendRejected marks a 4xx answer: permanent, not retried.
const ErrTypeBackendRejected = "backend_rejected"

const maxResponseBody = 64 << 10

// Sign returns the signature headers' value for body at ts:
// "v1," + base64(HMAC-SHA256(secret, ts + "." + body)), as Port signs.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// CallWebhook sends the signed request. Network errors, 5xx and 429 are
// retried by Temporal with backoff; any other 4xx fails for good.
func (a *Activities) CallWebhook(ctx context.Context, in CallWebhookInput) (CallWebhookResult, error) {
	info := activity.GetInfo(ctx)
	// The same key on every attempt of this call, so backends can deduplicate.
	idempotencyKey := info.WorkflowExecution.ID + "/" + info.ActivityID

	body := []byte(in.Body)
	method := in.Method
	if method == "" {
		method = http.MethodPost
	}
	var reader io.Reader
	if method != http.MethodGet {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, in.URL, reader)
	if err != nil {
		return CallWebhookResult{}, temporal.NewNonRetryableApplicationError("invalid backend request: "+err.Error(), ErrTypeBackendRejected, nil)
	}
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	ts := time.Now().Unix()
	sig := Sign(a.WebhookSecret, ts, body)
	for _, prefix := range []string{"x-slipway-", "x-port-"} {
		req.Header.Set(prefix+"timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set(prefix+"signature", sig)
	}
	req.Header.Set("Idempotency-Key", idempotencyKey)
	req.Header.Set("User-Agent", "Slipway")

	client := a.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return CallWebhookResult{}, ctx.Err()
		}
		return CallWebhookResult{}, fmt.Errorf("backend unreachable: %w", err)
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	res := CallWebhookResult{StatusCode: resp.StatusCode}
	if json.Valid(respBody) {
		res.Body = respBody
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return res, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return res, fmt.Errorf("backend answered %s", resp.Status)
	default:
		return res, temporal.NewNonRetryableApplicationError("backend answered "+resp.Status, ErrTypeBackendRejected, nil)
	}
}
