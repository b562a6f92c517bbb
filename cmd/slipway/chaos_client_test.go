//go:build !slipway_lean

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// chaosClient calls the API as a careful client does while processes die:
// every call that may have been lost (connection refused or dropped, 5xx,
// unavailable) is sent again with the same Idempotency-Key, until the API
// answers or the call's patience runs out.
type chaosClient struct {
	base     string
	http     *http.Client
	patience time.Duration

	retries   atomic.Int64 // calls sent again
	executing atomic.Int64 // ExecuteAction calls in flight
	// A repeated call refused because its first try was done: a final
	// status (issue #9: must answer success), a decision or a cancel
	// (refusing those is fine).
	finalRepeatsRefused, decisionRepeatsRefused atomic.Int64

	mu            sync.Mutex
	backendErrors []string
}

func newChaosClient(base string, patience time.Duration) *chaosClient {
	return &chaosClient{
		base: base, patience: patience,
		// A call stuck on a dying process is abandoned and sent again.
		http: &http.Client{Timeout: 15 * time.Second},
	}
}

// apiError is a Connect error answer.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// transient says the call may not have been done, or may succeed later.
func (e *apiError) transient() bool {
	switch e.Code {
	case "unavailable", "internal", "unknown", "deadline_exceeded", "aborted", "canceled", "resource_exhausted":
		return true
	case "":
		return e.Status >= 500
	}
	return false
}

// call sends one Connect JSON request, again and again while the answer is
// transient. attempt is how many times it was sent. The Idempotency-Key
// header goes on every try; the request field of the same meaning is in
// body (unknown fields are ignored by servers that predate it).
func (c *chaosClient) call(procedure, token, key string, body any, out any) (attempts int, err error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(c.patience)
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			c.retries.Add(1)
		}
		err := c.once(procedure, token, key, payload, out)
		var ae *apiError
		if err == nil || (errors.As(err, &ae) && !ae.transient()) {
			return attempt, err
		}
		if time.Now().After(deadline) {
			return attempt, fmt.Errorf("%s: still failing after %s: %w", procedure, c.patience, err)
		}
		time.Sleep(retryPause(attempt))
	}
}

func (c *chaosClient) once(procedure, token, key string, payload []byte, out any) error {
	req, err := http.NewRequest(http.MethodPost, c.base+"/slipway.v1.RunService/"+procedure, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err // refused, reset, timed out: transient
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		ae := &apiError{Status: resp.StatusCode}
		_ = json.Unmarshal(b, ae)
		return ae
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// apiRun is the part of a run the kill test reads.
type apiRun struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Label  string `json:"statusLabel"`
}

func (c *chaosClient) execute(token, action, key string) (apiRun, error) {
	var resp struct{ Run apiRun }
	c.executing.Add(1)
	defer c.executing.Add(-1)
	_, err := c.call("ExecuteAction", token, key, map[string]any{"action": action, "idempotencyKey": key}, &resp)
	return resp.Run, err
}

func (c *chaosClient) get(token, id string) (apiRun, error) {
	var resp struct{ Run apiRun }
	_, err := c.call("GetRun", token, "", map[string]any{"id": id}, &resp)
	return resp.Run, err
}

// decide approves or declines; a repeat that finds the run decided already
// (the first try was done, its answer lost) is success.
func (c *chaosClient) decide(token, id string, approve bool) error {
	procedure := "DeclineRun"
	if approve {
		procedure = "ApproveRun"
	}
	attempts, err := c.call(procedure, token, id+"/decide", map[string]any{"id": id}, nil)
	return c.repeatDone(token, id, attempts, err, &c.decisionRepeatsRefused, func(r apiRun) bool { return r.Status != "WAITING_FOR_APPROVAL" })
}

func (c *chaosClient) cancel(token, id string) error {
	attempts, err := c.call("CancelRun", token, id+"/cancel", map[string]any{"id": id, "reason": "chaos"}, nil)
	return c.repeatDone(token, id, attempts, err, &c.decisionRepeatsRefused, func(r apiRun) bool { return r.Status == "CANCELLED" })
}

// addLog sends one line (and a final status) with its key.
func (c *chaosClient) addLog(id, token, message, final, key string) error {
	body := map[string]any{"id": id, "message": message, "idempotencyKey": key}
	if final != "" {
		body["terminationStatus"] = final
	}
	attempts, err := c.call("AddRunLog", token, key, body, nil)
	if final == "" {
		return err
	}
	return c.repeatDone(token, id, attempts, err, &c.finalRepeatsRefused, func(r apiRun) bool { return r.Status == final })
}

// repeatDone turns "failed_precondition" on a repeated call into success
// when the run shows the first try was done, and counts it in refused.
func (c *chaosClient) repeatDone(token, id string, attempts int, err error, refused *atomic.Int64, done func(apiRun) bool) error {
	var ae *apiError
	if err == nil || attempts < 2 || !errors.As(err, &ae) || ae.Code != "failed_precondition" {
		return err
	}
	r, getErr := c.get(token, id)
	if getErr != nil || !done(r) {
		return err
	}
	refused.Add(1)
	return nil
}

func (c *chaosClient) noteBackendError(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.backendErrors = append(c.backendErrors, fmt.Sprintf(format, args...))
}

// logLines reads every line of a run, page after page.
func (c *chaosClient) logLines(token, id string) ([]string, error) {
	var lines []string
	var after int64
	for {
		var resp struct {
			Logs []struct {
				Message string `json:"message"`
			} `json:"logs"`
			HasMore      bool  `json:"hasMore"`
			NextAfterSeq int64 `json:"nextAfterSeq,string"`
		}
		if _, err := c.call("ListRunLogs", token, "", map[string]any{"id": id, "afterSeq": after}, &resp); err != nil {
			return nil, err
		}
		for _, l := range resp.Logs {
			lines = append(lines, l.Message)
		}
		if !resp.HasMore {
			return lines, nil
		}
		after = resp.NextAfterSeq
	}
}
