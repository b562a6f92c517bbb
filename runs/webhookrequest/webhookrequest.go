// Package webhookrequest renders a WEBHOOK backend's request from its
// definition's templates: the one rendering both the run's call
// (activities.CallWebhook) and its dry run (selfservice.DryRun) use, so
// a preview shows exactly what the call sends.
package webhookrequest

import (
	"bytes"
	"context"
	"encoding/json"
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
	// A nil RawMessage crosses Temporal's JSON converter as "null".
	if b := bytes.TrimSpace(t.Body); len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return req, nil
	}
	var tmpl any
	if err := json.Unmarshal(t.Body, &tmpl); err != nil {
		return Request{}, fmt.Errorf("body is not JSON")
	}
	rendered, err := jqtemplate.Render(ctx, tmpl, scope)
	if err != nil {
		return Request{}, fmt.Errorf("body.%w", err)
	}
	if req.Body, err = json.Marshal(rendered); err != nil {
		return Request{}, err
	}
	return req, nil
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
