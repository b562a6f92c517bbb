package frontend_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// A person's path through the portal in a real browser: redirected to the
// dev login, signs in, creates an API token through htmx, signs out.
func TestBrowserSignInAndTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	page := browsertest.MustPage(t, 60*time.Second)
	ctx := page.Ctx

	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		page.Must("location", err)
		return strings.TrimPrefix(loc, f.url)
	}

	page.Must("open catalog", chromedp.Do(ctx, chromedp.Navigate(f.url+"/catalog"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`))))
	if got := location(); got != "/login?next=%2Fcatalog" {
		t.Fatalf("anonymous visitor landed on %q", got)
	}

	page.Must("sign in", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="login-as-dev1@example.com"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="page-title"]`))))
	if got := location(); got != "/catalog" {
		t.Errorf("after sign-in on %q, want /catalog", got)
	}
	if got := page.Text(`[data-testid="current-user"]`); got != "Dev One" {
		t.Errorf("header shows %q", got)
	}
	if got := page.Text(`[data-testid="page-title"]`); got != "Catalog" {
		t.Errorf("page title %q", got)
	}

	// htmx swaps the table in place: a marker on window survives only if the
	// page did not navigate.
	page.Must("open tokens", chromedp.Do(ctx, chromedp.Navigate(f.url+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="create-token"]`))))
	_, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__marker = 42`))
	page.Must("set marker", err)
	page.Must("create token", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="create-token"] input[name="name"]`), "browser-token"),
		chromedp.Click(chromedp.CSS(`[data-testid="create-token"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-token"]`))))
	page.Screenshot("portal-token-created")
	secret := page.Text(`[data-testid="new-token"]`)
	if !strings.HasPrefix(secret, "slw_") {
		t.Fatalf("new token %q", secret)
	}
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__marker || 0`))
	page.Must("read marker", err)
	if marker != 42 {
		t.Error("creating a token reloaded the page instead of swapping the table")
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="token-row"]').length`))
	page.Must("count rows", err)
	if rows != 1 {
		t.Errorf("%d token rows, want 1", rows)
	}

	// The token made in the browser works on the API.
	if status, _ := testkit.PostJSON(t, f.url+"/slipway.v1.IdentityService/WhoAmI", secret, "{}"); status != http.StatusOK {
		t.Errorf("WhoAmI with the browser's token: %d", status)
	}

	page.Must("sign out", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`))))
	page.Must("catalog after sign-out", chromedp.Do(ctx, chromedp.Navigate(f.url+"/catalog"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`))))
	if got := location(); !strings.HasPrefix(got, "/login") {
		t.Errorf("signed-out visitor reached %q", got)
	}
}
