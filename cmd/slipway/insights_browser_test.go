//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// The Insights page draws its charts from real runs: two runs of an action
// that needs approval are approved through the API, their backend reports
// success, and a member's Insights page shows them in every chart, each an
// SVG with a title, and as tables.
func TestBrowserInsightsChartsFromRealRuns(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	gate := make(chan struct{})
	close(gate) // the backend reports at once
	backend := mustReportingBackend(t, s, gate)
	devTok := cliToken(t, s, "dev1@example.com")
	approverTok := cliToken(t, s, "approver@example.com")
	def := fmt.Sprintf(`{"action": {
	  "identifier": "deploy", "title": "Deploy a service",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q},
	  "requiredApproval": true, "approvers": {"users": ["approver@example.com"]}
	}}`, backend.URL+"/deploy")
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	for range 2 {
		status, answer := postJSON(t, s.PortalURL+"/slipway.v1.RunService/ExecuteAction", devTok, `{"action": "deploy"}`)
		if status != http.StatusOK {
			t.Fatalf("execute: %d %s", status, answer)
		}
		var started struct {
			Run struct{ ID string } `json:"run"`
		}
		if err := json.Unmarshal([]byte(answer), &started); err != nil {
			t.Fatal(err)
		}
		if _, err := runsAPI.ApproveRun(context.Background(), withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: started.Run.ID}), approverTok)); err != nil {
			t.Fatal(err)
		}
		waitForStatus(t, runsAPI, devTok, started.Run.ID, "SUCCESS")
	}

	page := browsertest.MustPage(t, 60*time.Second)
	page.SignIn(s.PortalURL, "dev1@example.com")
	page.Must("open insights", chromedp.Do(page.Ctx,
		chromedp.Navigate(s.PortalURL+"/insights?days=7"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="svg-runs-per-day"]`))))
	page.Screenshot("insights")

	segments, err := chromedp.Run(page.Ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid="svg-runs-per-day"] [data-testid="bar-segment"] title')].map(e => e.textContent)`))
	page.Must("read the day bars", err)
	if len(segments) != 1 || !strings.HasSuffix(segments[0], ": 2 SUCCESS") {
		t.Errorf("runs per day segments %q; want today's 2 SUCCESS", segments)
	}
	for chart, want := range map[string]string{
		"success-rate":     "Deploy a service: 100% of 2",
		"durations":        "Deploy a service: p50",
		"approval-waits":   "Deploy a service: p50",
		"slowest-backends": "WEBHOOK 127.0.0.1",
	} {
		titles, err := chromedp.Run(page.Ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
			`[...document.querySelectorAll('[data-testid="svg-%s"] rect title')].map(e => e.textContent)`, chart)))
		page.Must("read "+chart, err)
		if len(titles) != 1 || !strings.HasPrefix(titles[0], want) {
			t.Errorf("%s bars %q; want one starting %q", chart, titles, want)
		}
		label, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](fmt.Sprintf(
			`document.querySelector('[data-testid="svg-%s"]').getAttribute('role') + ' ' + document.querySelector('[data-testid="svg-%s"] title').textContent`, chart, chart)))
		page.Must("read "+chart+"'s label", err)
		if !strings.HasPrefix(label, "img ") || len(label) < 8 {
			t.Errorf("%s is not an image with a title: %q", chart, label)
		}
	}
	// The tables sit in closed <details>: read their text, not what shows.
	rows, err := chromedp.Run(page.Ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="table-success-rate"]').textContent`))
	page.Must("read the success-rate table", err)
	if !strings.Contains(rows, "Deploy a service") || !strings.Contains(rows, "100.0%") {
		t.Errorf("the success-rate table %q", rows)
	}
}
