//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/PuerkitoBio/goquery"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/signing"
	"github.com/slipwayhq/slipway/testkit"
)

// noticeReceiver checks each notification's signature, keeps each event
// once (by its idempotency key) and can be taken down.
type noticeReceiver struct {
	secret string
	down   atomic.Bool
	mu     sync.Mutex
	events map[string]string // idempotency key → type
	bad    []string
	tries  int
}

func (n *noticeReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tries++
	if n.down.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	ts, _ := strconv.ParseInt(r.Header.Get("x-slipway-timestamp"), 10, 64)
	if r.Header.Get("x-slipway-signature") != signing.Sign([]byte(n.secret), ts, body) {
		n.bad = append(n.bad, "bad signature")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var msg struct{ Type, Title string }
	_ = json.Unmarshal(body, &msg)
	n.events[r.Header.Get("Idempotency-Key")] = msg.Type
	if strings.Contains(string(body), "hunter2") {
		n.bad = append(n.bad, "a notification holds the secret input")
	}
	w.WriteHeader(http.StatusNoContent)
}

func (n *noticeReceiver) types() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, t := range n.events {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Approvers hear that a run waits for them, the requester that it was
// approved and that it ended: in the portal, and through a signed webhook
// that loses nothing while its receiver is down.
func TestNotificationsReachApproversAndRequester(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	receiver := &noticeReceiver{secret: s.WebhookSecret, events: map[string]string{}}
	receiver.down.Store(true)
	hooks := httptest.NewServer(receiver)
	defer hooks.Close()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, ""))

	def := fmt.Sprintf(`{"action": {"identifier": "deploy", "title": "Deploy",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"password": {"type": "string", "encryption": "aes256-gcm"}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true},
	  "requiredApproval": true, "approvers": {"users": ["approver@example.com"]},
	  "approvalNotification": {"type": "webhook", "format": "json", "url": %q}}}`, backend.URL, hooks.URL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	started, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{
		Action: "deploy", Properties: mustStruct(t, map[string]any{"password": "hunter2-notify"}),
	}), cliToken(t, s, "dev1@example.com")))
	if err != nil {
		t.Fatal(err)
	}
	id := started.Msg.GetRun().GetId()

	// The approver sees the request in the portal while the receiver is down.
	approver := noRedirectClient(t)
	doc := login(t, approver, s.PortalURL, "approver@example.com", "/")
	waitUntil(t, 10*time.Second, "the approver's unread count", func() bool {
		doc = getDoc(t, approver, s.PortalURL+"/notifications")
		return strings.TrimSpace(doc.Find(`[data-testid="unread-count"]`).Text()) == "1"
	})
	if got := doc.Find(`[data-testid="notification"]`).Text(); !strings.Contains(got, "Approval needed: Deploy") || strings.Contains(got, "hunter2") {
		t.Errorf("approver's notification %q", got)
	}
	if _, err := runs.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id}), cliToken(t, s, "approver@example.com"))); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "the run to succeed", func() bool {
		got, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), s.Token))
		return err == nil && got.Msg.GetRun().GetStatus() == "SUCCESS" && got.Msg.GetRun().GetEndedAt() != nil
	})

	// Decided, the run no longer waits for the approver: the notice reads as read.
	doc = getDoc(t, approver, s.PortalURL+"/notifications")
	if doc.Find(`[data-testid="unread-count"]`).Length() != 0 || doc.Find(`[data-testid="notification"].unread`).Length() != 0 ||
		doc.Find(`[data-testid="notification"]`).Length() != 1 {
		t.Errorf("the approver's notifications once the run is decided: %d, %d unread (count %q); want the one, read",
			doc.Find(`[data-testid="notification"]`).Length(), doc.Find(`[data-testid="notification"].unread`).Length(), doc.Find(`[data-testid="unread-count"]`).Text())
	}

	// An inbox decision (htmx) on the decided run answers its card: it no
	// longer waits, with the refusal in words and no form to try again.
	csrf, _ := doc.Find(`input[name="csrf_token"]`).First().Attr("value")
	req, _ := http.NewRequest(http.MethodPost, s.PortalURL+"/runs/"+id+"/decide",
		strings.NewReader(url.Values{"csrf_token": {csrf}, "decision": {"approve"}, "reason": {"late"}, "from": {"approvals"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	resp, err := approver.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	card, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(card.Find(`[data-testid="approval-outcome"]`).Text(), "no longer waits for your decision") ||
		card.Find(`[data-testid="approval-error"]`).Length() != 1 || card.Find(`[data-testid="decide-form"]`).Length() != 0 {
		html, _ := card.Html()
		t.Errorf("a late inline decision: %d %s", resp.StatusCode, html)
	}

	// The run ended while its notifications could not be delivered; once
	// the receiver is back, every one arrives, once.
	receiver.mu.Lock()
	triedWhileDown := receiver.tries
	receiver.mu.Unlock()
	if triedWhileDown == 0 {
		t.Fatal("no notification was attempted while the receiver was down")
	}
	receiver.down.Store(false)
	waitUntil(t, 60*time.Second, "every notification to be delivered", func() bool { return len(receiver.types()) == 3 })
	if got := strings.Join(receiver.types(), ","); got != "APPROVED,ENDED,WAITING_FOR_APPROVAL" {
		t.Errorf("delivered %s", got)
	}
	if len(receiver.bad) > 0 {
		t.Errorf("receiver refused: %v", receiver.bad)
	}

	// The requester hears of the approval and the end; reading clears the count.
	requester := noRedirectClient(t)
	login(t, requester, s.PortalURL, "dev1@example.com", "/")
	doc = getDoc(t, requester, s.PortalURL+"/notifications")
	if n := doc.Find(`[data-testid="notification"]`).Length(); n != 2 || strings.TrimSpace(doc.Find(`[data-testid="unread-count"]`).Text()) != "2" {
		t.Errorf("requester has %d notifications, unread %q", n, doc.Find(`[data-testid="unread-count"]`).Text())
	}
	csrf, _ = doc.Find(`form[action="/notifications/read"] input[name="csrf_token"]`).Attr("value")
	resp, err = requester.PostForm(s.PortalURL+"/notifications/read", url.Values{"csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if doc = getDoc(t, requester, s.PortalURL+"/notifications"); doc.Find(`[data-testid="unread-count"]`).Length() != 0 {
		t.Error("unread count shown after marking everything read")
	}
}

func getDoc(t *testing.T, c *http.Client, u string) *goquery.Document {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
