package backendrequest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/runs/backendrequest"
)

func TestRenderFillsTemplatesAndDefaults(t *testing.T) {
	scope := map[string]any{"inputs": map[string]any{"env": "prod", "n": 2.0}}
	payload := []byte(`{"inputs":{"env":"prod"}}`)
	req, err := backendrequest.Render(context.Background(), backendrequest.Template{
		URL: "https://x.example/{{ .inputs.env }}", Headers: map[string]string{"X-Env": "{{ .inputs.env }}"},
		Body: json.RawMessage(`{"n": "{{ .inputs.n }}"}`),
	}, scope, payload)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodPost || req.URL != "https://x.example/prod" || req.Headers["X-Env"] != "prod" ||
		req.Headers["Content-Type"] != "application/json" || string(req.Body) != `{"n":2}` {
		t.Errorf("rendered %+v %s", req, req.Body)
	}
	// No body configured (or null, as Temporal's converter sends nil): the payload.
	req, err = backendrequest.Render(context.Background(), backendrequest.Template{URL: "https://x.example", Method: "PUT",
		Headers: map[string]string{"content-type": "text/plain"}, Body: json.RawMessage("null")}, scope, payload)
	if err != nil || string(req.Body) != string(payload) || req.Method != "PUT" || req.Headers["Content-Type"] != "" {
		t.Errorf("no body: %+v %v", req, err)
	}
	if _, err := backendrequest.Render(context.Background(), backendrequest.Template{URL: "{{ .nope | error }}"}, scope, payload); err == nil {
		t.Error("a failing template rendered")
	}
	h := http.Header{}
	backendrequest.Sign(h, []byte("k"), []byte("{}"), time.Unix(1, 0))
	if h.Get("X-Slipway-Signature") == "" || h.Get("X-Port-Signature") == "" {
		t.Errorf("signature headers: %v", h)
	}
}
