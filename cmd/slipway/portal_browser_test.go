//go:build !slipway_lean

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// A developer runs an action from the portal, an approver approves it
// inline in the Approvals inbox (which shows its inputs, secrets masked, and
// why it needs approval; the approver's notice then reads as read), and the open run page shows the backend's log lines
// and final status as they arrive.
func TestBrowserRunFromPortal(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	gate := make(chan struct{})
	backend := mustReportingBackend(t, s, gate)

	def := fmt.Sprintf(`{"action": {
	  "identifier": "create_env", "title": "Create environment", "description": "An ephemeral environment",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "environment",
	    "userInputs": {"properties": {
	      "name": {"type": "string", "title": "Name", "pattern": "^[a-z][a-z0-9-]*$"},
	      "days": {"type": "number", "title": "Days", "minimum": 1, "maximum": 14, "default": 3},
	      "size": {"type": "string", "enum": ["small", "large"], "default": "small"},
	      "password": {"type": "string", "encryption": "aes256-gcm"}
	    }, "required": ["name"], "order": ["name", "days"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q},
	  "requiredApproval": {"type": "ANY", "when": ".inputs.days > 2"},
	  "approvers": {"users": ["approver@example.com"]}
	}}`, backend.URL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.CatalogService/CreateBlueprint", s.Token, `{"blueprint": {"identifier": "environment", "schema": {"properties": {}}}}`); status != http.StatusOK {
		t.Fatalf("create blueprint: %d %s", status, body)
	}
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}

	page := browsertest.MustPage(t, 90*time.Second)
	ctx := page.Ctx

	page.SignIn(s.PortalURL, "dev1@example.com")
	page.Must("open self-service", chromedp.Do(ctx,
		chromedp.Navigate(s.PortalURL+"/self-service"),
		chromedp.Click(chromedp.CSS(`[data-testid="action-create_env"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="execute-form"]`))))
	page.Must("submit a bad name", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-name"]`), "Bad Name"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-password"]`), "hunter2"),
		chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-name"]`))))
	page.Screenshot("run-form-field-error")
	if msg := page.Text(`[data-testid="error-name"]`); !strings.Contains(msg, "pattern") {
		t.Errorf("field error %q", msg)
	}
	value, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`[data-testid="input-password"]`)))
	page.Must("read password", err)
	if value != "" {
		t.Error("the form echoed a secret input back")
	}
	page.Must("submit a good name", chromedp.Do(ctx,
		chromedp.Clear(chromedp.CSS(`[data-testid="input-name"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-name"]`), "pr-42"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-password"]`), "hunter2"),
		chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"]`))))
	if got := page.Text(`[data-testid="run-status"]`); got != "WAITING_FOR_APPROVAL" {
		t.Fatalf("new run status %q", got)
	}
	if inputs := page.Text(`[data-testid="inputs"]`); !strings.Contains(inputs, "pr-42") || strings.Contains(inputs, "hunter2") {
		t.Errorf("inputs shown: %q (a secret must be masked)", inputs)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	page.Must("location", err)
	runURL := loc

	page.Must("sign out", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`))))
	page.SignIn(s.PortalURL, "approver@example.com")
	// The inbox shows what the run would do and why it needs approval,
	// and the decision happens in place (htmx), with a reason.
	page.Must("open the inbox", chromedp.Do(ctx,
		chromedp.Navigate(s.PortalURL+"/approvals"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="approval"]`))))
	if inputs := page.Text(`[data-testid="approval-inputs"]`); !strings.Contains(inputs, "pr-42") || strings.Contains(inputs, "hunter2") || !strings.Contains(inputs, "••••••") {
		t.Errorf("inbox inputs: %q (a secret must be masked)", inputs)
	}
	if why := page.Text(`[data-testid="approval-why"]`); !strings.Contains(why, ".inputs.days > 2") || !strings.Contains(why, "approver@example.com") {
		t.Errorf("why approval is needed: %q; want the condition and the approvers", why)
	}
	page.Screenshot("approvals-inbox")
	_, err = chromedp.Run(ctx, chromedp.Evaluate[int](`window.__inbox = 1`))
	page.Must("inbox marker", err)
	page.Must("approve inline", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="decide-reason"]`), "looks fine"),
		chromedp.Click(chromedp.CSS(`[data-testid="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="approval-outcome"]`))))
	page.Screenshot("approvals-inbox-decided")
	if got := page.Text(`[data-testid="approval-outcome"]`); !strings.Contains(got, "You approved this run: looks fine") {
		t.Errorf("outcome %q", got)
	}
	if stayed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__inbox || 0`)); err != nil || stayed != 1 {
		t.Errorf("the inbox navigated away instead of deciding in place (%v)", err)
	}
	// The approver's "approval needed" notice is there, and read: the run
	// is decided. (It is recorded in the background, so wait for it.)
	notice, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		for (let i = 0; i < 100; i++) {
			const html = await (await fetch('/notifications')).text();
			const doc = new DOMParser().parseFromString(html, 'text/html');
			const li = [...doc.querySelectorAll('[data-testid="notification"]')].find(e => e.textContent.includes('Approval needed'));
			if (li) return li.classList.contains('unread') ? 'unread' : 'read';
			await new Promise(r => setTimeout(r, 100));
		}
		return 'missing';
	})()`, chromedp.EvalAwaitPromise))
	page.Must("read the notifications", err)
	if notice != "read" {
		t.Errorf("the approver's approval-needed notice after the decision: %s, want read", notice)
	}
	page.Must("open the decided run", chromedp.Do(ctx,
		chromedp.Navigate(runURL),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="decisions"]`))))
	if got := page.Text(`[data-testid="decisions"]`); !strings.Contains(got, "approved by approver@example.com") {
		t.Errorf("decisions %q", got)
	}

	// Watch the open run page: lines and status arrive without a reload.
	page.Must("open run page", chromedp.Do(ctx, chromedp.Navigate(runURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"]`))))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[int](`window.__marker = 7`))
	page.Must("marker", err)
	close(gate)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelectorAll('[data-testid="log-line"]').length === 4 && document.querySelector('[data-testid="run-status"]').textContent.trim() === "SUCCESS"`,
		chromedp.WithPollingTimeout(30*time.Second)))
	page.Must("logs arrive", err)
	page.Screenshot("run-page-live-logs")
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__marker || 0`))
	page.Must("read marker", err)
	if marker != 7 {
		t.Error("the run page reloaded instead of updating in place")
	}
	if got := page.Text(`[data-testid="logs"]`); !strings.Contains(got, "step 1") || !strings.Contains(got, "done") {
		t.Errorf("logs %q", got)
	}
	if got := page.Text(`[data-testid="run-label"]`); got != "deployed" {
		t.Errorf("label %q", got)
	}
}
