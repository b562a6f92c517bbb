package notifications_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/signing"
)

func TestWebhookRequestsAreSignedInEitherFormat(t *testing.T) {
	n := notifications.Notice{RunID: "r1", Event: "waiting/1", Kind: notifications.Waiting, Title: "Approval needed: Deploy",
		Body: "dev1@example.com asks to run Deploy", Recipients: []string{"lead@example.com"}, Run: map[string]any{"id": "r1"}}
	now := time.Unix(1764460800, 0)
	secret := []byte("s3cret")
	body := func(format string) (*http.Request, map[string]any) {
		t.Helper()
		req, err := notifications.NewWebhookRequest(context.Background(), notifications.Webhook{
			URL: "https://hooks.example/x", Format: format, PublicURL: "https://slipway.example", Secret: secret}, n, now)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(req.Body)
		if got, want := req.Header.Get("x-slipway-signature"), signing.Sign(secret, now.Unix(), raw); got != want {
			t.Errorf("%s: signature %q, want %q", format, got, want)
		}
		if req.Header.Get("x-port-signature") != "" || req.Header.Get("Idempotency-Key") != "r1/waiting/1" || req.Method != http.MethodPost {
			t.Errorf("%s: %s with headers %v", format, req.Method, req.Header)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v in %s", format, err, raw)
		}
		return req, m
	}

	_, m := body(notifications.FormatJSON)
	if m["type"] != "WAITING_FOR_APPROVAL" || m["event"] != "waiting/1" || m["link"] != "https://slipway.example/runs/r1" ||
		m["run"].(map[string]any)["id"] != "r1" {
		t.Errorf("json body %v", m)
	}
	_, m = body(notifications.FormatSlack)
	text, _ := m["text"].(string)
	if len(m) != 1 || !strings.HasPrefix(text, "*Approval needed: Deploy*\n") || !strings.HasSuffix(text, "<https://slipway.example/runs/r1|Open the run>") {
		t.Errorf("slack body %v", m)
	}
}
