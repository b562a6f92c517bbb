// Package backendrequest renders what a run sends its backend from its
// definition's templates: a WEBHOOK's request, a KAFKA message, a GITHUB
// workflow's inputs, a GITLAB pipeline's variables. The backend calls
// (package activities) and their dry run (selfservice.DryRun) render
// through these same functions, so a preview shows exactly what a call
// sends. Nothing here opens a secret or reaches a store or a backend.
package backendrequest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/signing"
)

// Template is the definition's request: URL, headers and body may hold
// {{ jq }} templates.
type Template struct {
	URL     string
	Method  string
	Headers map[string]string
	// Body is the configured body; empty (or JSON null) sends the payload.
	Body json.RawMessage
}

// Request is a rendered request, before it is signed.
type Request struct {
	Method  string
	URL     string
	Headers map[string]string
	Body    []byte
}

// Render evaluates t's templates over scope (the trigger data, with
// .secrets when the templates name any); payload is the trigger data as
// JSON, sent when t configures no body. The method defaults to POST and
// Content-Type to application/json.
func Render(ctx context.Context, t Template, scope any, payload []byte) (Request, error) {
	url, err := jqtemplate.RenderString(ctx, t.URL, scope)
	if err != nil {
		return Request{}, fmt.Errorf("url: %w", err)
	}
	req := Request{Method: t.Method, URL: url, Headers: make(map[string]string, len(t.Headers)+1), Body: payload}
	if req.Method == "" {
		req.Method = http.MethodPost
	}
	for k, v := range t.Headers {
		if req.Headers[k], err = jqtemplate.RenderString(ctx, v, scope); err != nil {
			return Request{}, fmt.Errorf("headers.%s: %w", k, err)
		}
	}
	if !hasHeader(req.Headers, "Content-Type") {
		req.Headers["Content-Type"] = "application/json"
	}
	if req.Body, err = RenderBody(ctx, t.Body, scope, payload); err != nil {
		return Request{}, fmt.Errorf("body%w", err)
	}
	return req, nil
}

// RenderBody renders a definition's body template (a webhook's body, a
// Kafka payload) over scope, or returns payload when it sets none. Its
// errors start with the path inside the template (".x: ...", or " is not
// JSON"), for the caller to prefix with the field's name.
func RenderBody(ctx context.Context, tmpl json.RawMessage, scope any, payload []byte) ([]byte, error) {
	// A nil RawMessage crosses Temporal's JSON converter as "null".
	if b := bytes.TrimSpace(tmpl); len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return payload, nil
	}
	var v any
	if err := json.Unmarshal(tmpl, &v); err != nil {
		return nil, errors.New(" is not JSON")
	}
	rendered, err := jqtemplate.Render(ctx, v, scope)
	if err != nil {
		return nil, fmt.Errorf(".%w", err)
	}
	return json.Marshal(rendered)
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if http.CanonicalHeaderKey(k) == http.CanonicalHeaderKey(name) {
			return true
		}
	}
	return false
}

// Sign sets the signature headers of a call with body (Slipway's and
// Port's, so backends written for Port verify it as they are).
func Sign(h http.Header, secret, body []byte, now time.Time) {
	signing.SetHeaders(h, secret, body, now, signing.SlipwayPrefix, signing.PortPrefix)
}
