//go:build !slipway_lean

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// A multi-step form with Port's advanced inputs, rendered and re-evaluated
// by the server: a field appears when another has a value, a jq default
// and a jq enum follow another field, and an entity picker's dataset is
// narrowed by .form; the run then starts and succeeds.
func TestBrowserDynamicMultiStepForm(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"statusLabel": "done"}`))
	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "cluster_svc", "title": "Service", "schema": {"properties": {"region": {"type": "string"}}}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "cluster_svc", "identifier": "svc-eu", "title": "EU service", "properties": {"region": "eu"}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "cluster_svc", "identifier": "svc-us", "title": "US service", "properties": {"region": "us"}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "provision", "title": "Provision",
		  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {
		    "properties": {
		      "size": {"title": "Size", "type": "string", "enum": ["small", "large"]},
		      "budget": {"title": "Budget", "type": "string", "visible": {"jqQuery": ".form.size == \"large\""}},
		      "region": {"title": "Region", "type": "string", "enum": ["eu", "us"], "default": "eu"},
		      "cluster": {"title": "Cluster", "type": "string", "dependsOn": ["region"],
		        "enum": {"jqQuery": "if .form.region == \"eu\" then [\"eu-west-1\", \"eu-central-1\"] else [\"us-east-1\"] end"},
		        "default": {"jqQuery": "if .form.region == \"eu\" then \"eu-west-1\" else \"us-east-1\" end"}},
		      "service": {"title": "Service", "type": "string", "format": "entity", "blueprint": "cluster_svc", "dependsOn": ["region"],
		        "dataset": {"combinator": "and", "rules": [{"property": "region", "operator": "=", "value": {"jqQuery": ".form.region"}}]}},
		      "replicas": {"title": "Replicas of", "type": "array", "items": {"type": "string", "format": "entity", "blueprint": "cluster_svc"}, "dependsOn": ["region"],
		        "dataset": {"combinator": "and", "rules": [{"property": "region", "operator": "=", "value": {"jqQuery": ".form.region"}}]}, "sort": {"property": "$title", "order": "DESC"}}},
		    "steps": [
		      {"title": "Basics", "description": "How big", "order": ["size", "budget"]},
		      {"title": "Placement", "description": "Where it runs", "order": ["region", "cluster", "service", "replicas"]}],
		    "required": {"jqQuery": "if .form.size == \"large\" then [\"size\", \"budget\", \"service\"] else [\"size\", \"service\"] end"}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}

	page := browsertest.MustPage(t, 90*time.Second)
	ctx := page.Ctx
	poll := func(what, js string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second)))
		page.Must(what, err)
	}
	choose := func(input, value string) { // as a person picks an option: a change event
		t.Helper()
		// A person picks after the page has settled; a test must wait for
		// htmx to finish its swaps (its documented classes say when), or
		// the change lands on an element htmx has not initialised yet.
		poll("the form to settle", `document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added') === null`)
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const el = document.querySelector('[data-testid="input-%s"]');
			el.value = %q; el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, input, value)))
		page.Must("choose "+input, err)
	}
	options := func(input string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
			`Array.from(document.querySelectorAll('[data-testid="input-%s"] option')).map(o => o.value).filter(v => v)`, input)))
		page.Must("options of "+input, err)
		return strings.Join(v, ",")
	}
	page.SignIn(s.PortalURL, "dev1@example.com")
	page.Must("open the form", chromedp.Do(ctx,
		chromedp.Navigate(s.PortalURL+"/self-service/provision"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="input-size"]`))))
	if d := page.Text(`[data-testid="step-0-description"]`); d != "How big" {
		t.Errorf("step description %q", d)
	}
	if tabs := page.Text(`[data-testid="steps"]`); !strings.Contains(tabs, "Basics") || !strings.Contains(tabs, "Placement") {
		t.Errorf("step titles %q", tabs)
	}
	poll("budget hidden", `document.querySelector('[data-testid="input-budget"]') === null`)

	// Budget appears once the size is large.
	choose("size", "large")
	poll("budget appears", `document.querySelector('[data-testid="input-budget"]') !== null`)
	// Next refuses while the now required budget is empty.
	page.Must("next without a budget", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="next"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-budget"]`))))
	page.Must("next", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-budget"]`), "1k"),
		chromedp.Click(chromedp.CSS(`[data-testid="next"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="input-cluster"]`))))
	if d := page.Text(`[data-testid="step-1-description"]`); d != "Where it runs" {
		t.Errorf("step 2 description %q", d)
	}
	// The jq enum and the jq default follow the region.
	if got, val := options("cluster"), page.Value(`[data-testid="input-cluster"]`); got != "eu-west-1,eu-central-1" || val != "eu-west-1" {
		t.Errorf("cluster for eu: options %q value %q", got, val)
	}
	choose("region", "us")
	poll("cluster follows the region", `document.querySelector('[data-testid="input-cluster"]').value === "us-east-1"`)
	if got := options("cluster"); got != "us-east-1" {
		t.Errorf("cluster options for us %q", got)
	}
	// The service picker offers the region's services only (dataset over .form).
	page.Must("focus the picker", chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`[data-testid="input-service"]`))))
	poll("the picker's choices", `document.querySelectorAll('#choices-service option').length === 1 && document.querySelector('#choices-service option').value === "svc-us"`)
	// The multi-entity picker lists the region's services too.
	poll("the multi-entity picker's choices", `Array.from(document.querySelectorAll('[data-testid="input-replicas"] option')).map(o => o.value).join() === "svc-us"`)
	page.Must("pick replicas", chromedp.Do(ctx, chromedp.SetAttributeValue(chromedp.CSS(`[data-testid="input-replicas"] option[value="svc-us"]`), "selected", "")))
	page.Screenshot("dynamic-form-step-2")

	page.Must("execute", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-service"]`), "svc-us"),
		chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"]`))))
	poll("the run succeeds", `document.querySelector('[data-testid="run-status"]').textContent.trim() === "SUCCESS"`)
	inputs := page.Text(`[data-testid="inputs"]`)
	for _, want := range []string{"budget", "1k", "us-east-1", "svc-us", "replicas"} {
		if !strings.Contains(inputs, want) {
			t.Errorf("run inputs %q lack %q", inputs, want)
		}
	}
	// The API holds an array of entities to its dataset over .form, item by item.
	status, body := postJSON(t, s.PortalURL+"/slipway.v1.RunService/ExecuteAction", cliToken(t, s, "dev1@example.com"),
		`{"action": "provision", "properties": {"size": "small", "region": "us", "service": "svc-us", "replicas": ["svc-us", "svc-eu"]}}`)
	if status != http.StatusBadRequest || !strings.Contains(body, "inputs.replicas[1]") {
		t.Errorf("an EU service for a US region: %d %.300s (want 400 naming inputs.replicas[1])", status, body)
	}
}
