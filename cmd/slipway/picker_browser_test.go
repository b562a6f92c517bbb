//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// A developer picks a service for a new environment from a searchable
// picker that offers only their team's services; a short environment starts
// at once while a long one waits for approval (the approval condition); and
// a DAY-2 action started from an entity page runs on that entity.
func TestBrowserEntityPickerAndEntityPageActions(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"statusLabel": "done"}`))

	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "service", "title": "Service", "schema": {"properties": {"language": {"type": "string"}}}}}`},
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "environment", "title": "Environment", "schema": {"properties": {"replicas": {"type": "number"}}}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "svc-checkout", "title": "Checkout", "team": "payments", "properties": {"language": "go"}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "svc-ledger", "title": "Ledger", "team": "payments", "properties": {"language": "go"}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "svc-infra", "title": "Infra", "team": "platform", "properties": {"language": "go"}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "environment", "identifier": "pr-7", "title": "PR 7", "team": "payments", "properties": {"replicas": 1}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "create_env", "title": "Create environment",
		  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "environment",
		    "userInputs": {"properties": {
		      "service": {"type": "string", "title": "Service", "format": "entity", "blueprint": "service",
		        "dataset": {"combinator": "and", "rules": [{"property": "$team", "operator": "containsAny", "value": {"jqQuery": ".user.teams"}}]}},
		      "ttl_days": {"type": "number", "title": "TTL (days)", "minimum": 1, "maximum": 30, "default": 3}
		    }, "required": ["service"], "order": ["service", "ttl_days"]}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true},
		  "requiredApproval": {"type": "ANY", "when": ".inputs.ttl_days > 5"},
		  "approvers": {"users": ["approver@example.com"]}}}`, backend.URL)},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "scale_env", "title": "Change replicas",
		  "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "environment",
		    "userInputs": {"properties": {"replicas": {"type": "number", "title": "Replicas", "minimum": 0, "maximum": 20}}, "required": ["replicas"]}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}

	// The API holds an entity input to the same rules as the picker.
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	dev1 := cliToken(t, s, "dev1@example.com")
	_, err := runs.ExecuteAction(context.Background(), withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{
		Action: "create_env", Properties: mustStruct(t, map[string]any{"service": "svc-infra"}),
	}), dev1))
	assertCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "inputs.service") {
		t.Errorf("error does not name the input: %v", err)
	}

	page := browsertest.MustPage(t, 90*time.Second)
	ctx := page.Ctx
	choices := func() []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#choices-service option')).map(o => o.value)`))
		page.Must("read choices", err)
		return v
	}
	waitChoices := func(js string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second)))
		page.Must("choices "+js, err)
	}
	newEnvironment := func(service, days string) string {
		t.Helper()
		page.Must("open the form", chromedp.Do(ctx,
			chromedp.Navigate(s.PortalURL+"/self-service/create_env"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="input-service"]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="input-service"]`), service),
			chromedp.Clear(chromedp.CSS(`[data-testid="input-ttl_days"]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="input-ttl_days"]`), days),
			chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"]`))))
		return page.Text(`[data-testid="run-status"]`)
	}

	page.Must("sign in", chromedp.Do(ctx,
		chromedp.Navigate(s.PortalURL+"/login"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-as-dev1@example.com"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`)),
		chromedp.Navigate(s.PortalURL+"/self-service/create_env"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="input-service"]`)),
		chromedp.Focus(chromedp.CSS(`[data-testid="input-service"]`))))
	// Focus loads the first choices: dev1's team's services only.
	waitChoices(`document.querySelectorAll('#choices-service option').length === 2`)
	if got := strings.Join(choices(), ","); got != "svc-checkout,svc-ledger" {
		t.Errorf("choices on focus %q, want payments' services only", got)
	}
	page.Must("search", chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="input-service"]`), "ledg")))
	waitChoices(`document.querySelectorAll('#choices-service option').length === 1`)
	if got := strings.Join(choices(), ","); got != "svc-ledger" {
		t.Errorf("choices for \"ledg\" %q", got)
	}
	page.Screenshot("entity-picker")

	// A service of another team typed by hand is refused inline.
	page.Must("pick another team's service", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`[data-testid="input-service"]`), "svc-infra"),
		chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-service"]`))))
	if msg := page.Text(`[data-testid="error-service"]`); !strings.Contains(msg, "not among") {
		t.Errorf("error for another team's service %q", msg)
	}

	// Three days starts at once; ten days needs approval.
	if got := newEnvironment("svc-checkout", "3"); got == "WAITING_FOR_APPROVAL" {
		t.Errorf("a 3-day environment waits for approval")
	}
	if got := newEnvironment("svc-checkout", "10"); got != "WAITING_FOR_APPROVAL" {
		t.Errorf("a 10-day environment is %s, want WAITING_FOR_APPROVAL", got)
	}

	// From the entity page: the DAY-2 action comes prefilled with the entity.
	page.Must("run scale_env from the entity page", chromedp.Do(ctx,
		chromedp.Navigate(s.PortalURL+"/catalog/environment/pr-7"),
		chromedp.Click(chromedp.CSS(`[data-testid="entity-action-scale_env"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="input-replicas"]`))))
	entity, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`[data-testid="input-__entity"]`)))
	page.Must("read entity", err)
	if entity != "pr-7" {
		t.Errorf("entity field %q, want pr-7", entity)
	}
	page.Must("execute scale_env", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-replicas"]`), "4"),
		chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"]`))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('[data-testid="run-status"]').textContent.trim() === "SUCCESS"`,
		chromedp.WithPollingTimeout(20*time.Second)))
	page.Must("scale_env succeeds", err)
	waitUntil(t, 10*time.Second, "the entity page to list the run", func() bool {
		_, err := chromedp.Run(ctx, chromedp.Navigate(s.PortalURL+"/catalog/environment/pr-7"))
		page.Must("entity page", err)
		// The runs list names the action by its title.
		runs, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="entity-run"]')].map(e => e.textContent).join("\n")`))
		page.Must("entity page runs", err)
		return strings.Contains(runs, "Change replicas") && strings.Contains(runs, "SUCCESS")
	})
	page.Screenshot("entity-page-after-day2")
}
