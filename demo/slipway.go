package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// slipwayAPI is how a job talks back to Slipway, as any backend would:
// Port's REST shape for status and logs, the Connect API (JSON) for the
// catalog, all with the run's token.
type slipwayAPI struct {
	base  string
	runID string
	token string
	http  *http.Client
	// retryWait is the first pause before a retry; it doubles each time.
	retryWait time.Duration
}

// Transient failures (network, 5xx, 429) are retried this many times in
// all: enough to ride out a restart of the web process, short enough that
// a job does not hang.
const reportAttempts = 4

// apiError is Slipway's answer to a request it refused.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Message }

func (c *slipwayAPI) log(ctx context.Context, message string) error {
	return c.call(ctx, http.MethodPost, "/v1/actions/runs/"+url.PathEscape(c.runID)+"/logs", map[string]any{"message": message}, nil)
}

// finish ends the run with status, its label and links.
func (c *slipwayAPI) finish(ctx context.Context, status, label string, links []string) error {
	body := map[string]any{"status": status, "statusLabel": label}
	if links != nil {
		body["link"] = links
	}
	return c.call(ctx, http.MethodPatch, "/v1/actions/runs/"+url.PathEscape(c.runID), body, nil)
}

// upsert writes an entity on behalf of the run and returns it as stored.
func (c *slipwayAPI) upsert(ctx context.Context, e entity) (entity, error) {
	var out struct {
		Entity entity `json:"entity"`
	}
	err := c.call(ctx, http.MethodPost, "/slipway.v1.CatalogService/UpsertEntity", map[string]any{"entity": e, "runId": c.runID}, &out)
	return out.Entity, err
}

// call sends one request, retrying transient failures with backoff.
func (c *slipwayAPI) call(ctx context.Context, method, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	wait := c.retryWait
	for attempt := 1; ; attempt++ {
		err := c.once(ctx, method, path, raw, out)
		var refused *apiError
		permanent := errors.As(err, &refused) && refused.Status != http.StatusTooManyRequests && refused.Status < 500
		if err == nil || permanent || attempt == reportAttempts || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (c *slipwayAPI) once(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Slipway: %w", err)
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		// Both API shapes carry a message that names the bad field.
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(respBody, &e)
		if e.Message == "" {
			e.Message = "Slipway answered " + resp.Status
		}
		return &apiError{Status: resp.StatusCode, Message: e.Message}
	}
	if out != nil {
		if err := json.Unmarshal(respBody, out); err != nil {
			return fmt.Errorf("the answer of Slipway to %s is not JSON: %w", path, err)
		}
	}
	return nil
}
