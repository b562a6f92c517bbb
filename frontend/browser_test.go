package frontend_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipwayhq/slipway/frontend"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// TestBrowserSignInAndTokens walks a person's path through the portal in a
// real headless Chromium: an anonymous visit is sent to the dev login, the
// user signs in, creates an API token through htmx (a partial swap, not a
// page load), uses that token on the Connect API, and signs out.
func TestBrowserSignInAndTokens(t *testing.T) {
	chromium := chromiumPath(t)

	// The server under test, on a real, migrated PostgreSQL.
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatalf("seed demo users: %v", err)
	}
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Logger: slog.New(slog.DiscardHandler), DevLogin: true})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	b := startHeadlessTab(t, chromium, 60*time.Second)

	// 1. An anonymous visitor is sent to the dev login, which remembers
	// where they wanted to go.
	b.do("open /catalog anonymously",
		chromedp.Navigate(ts.URL+"/catalog"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`)))
	if got := b.location(ts.URL); got != "/login?next=%2Fcatalog" {
		t.Fatalf("anonymous visit to /catalog ended on %q, want /login?next=%%2Fcatalog", got)
	}
	b.do("find the dev1 login button",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-as-dev1@example.com"]`)))

	// 2. Signing in returns to the page asked for.
	b.do("sign in as dev1@example.com",
		chromedp.Click(chromedp.CSS(`[data-testid="login-as-dev1@example.com"]`)),
		// Only a signed-in page has the current user in its header.
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`)))
	if got := b.location(ts.URL); got != "/catalog" {
		t.Errorf("after sign-in the browser is on %q, want /catalog", got)
	}
	if got := b.text(`[data-testid="current-user"]`); got != "Dev One" {
		t.Errorf("header shows current user %q, want %q", got, "Dev One")
	}
	if got := b.text(`[data-testid="page-title"]`); got != "Catalog" {
		t.Errorf("page title is %q, want %q", got, "Catalog")
	}

	// 3 and 4. Creating a token swaps the table in place with htmx. A marker
	// on window survives only if the page did not navigate.
	b.do("open /tokens",
		chromedp.Navigate(ts.URL+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="create-token"]`)))
	if got := b.location(ts.URL); got != "/tokens" {
		t.Fatalf("/tokens ended on %q", got)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`window.__marker = 42`)); err != nil {
		b.fatal("set window.__marker", err)
	}
	b.do("create a token through the htmx form",
		chromedp.SendKeys(chromedp.CSS(`[data-testid="create-token"] input[name="name"]`), "browser-token"),
		chromedp.Click(chromedp.CSS(`[data-testid="create-token"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-token"]`)))
	b.screenshot("portal-token-created")

	secret := b.text(`[data-testid="new-token"]`)
	if !strings.HasPrefix(secret, "slw_") {
		t.Fatalf("new token shown as %q, want a secret starting with slw_", secret)
	}
	marker, err := chromedp.Run(b.ctx, chromedp.Evaluate[*int](`window.__marker ?? null`))
	if err != nil {
		b.fatal("read window.__marker", err)
	}
	if marker == nil || *marker != 42 {
		t.Errorf("window.__marker is gone after creating a token: the form navigated instead of htmx swapping #tokens")
	}
	if got := b.location(ts.URL); got != "/tokens" {
		t.Errorf("after creating a token the browser is on %q, want /tokens", got)
	}
	rows, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="token-row"]').length`))
	if err != nil {
		b.fatal("count token rows", err)
	}
	if rows != 1 {
		t.Errorf("%d token rows after creating one token, want 1", rows)
	}
	if got := b.text(`[data-testid="token-row"] td`); got != "browser-token" {
		t.Errorf("token row is named %q, want browser-token", got)
	}

	// 5. The token made in the browser works on the Connect API.
	whoAmIWithToken(t, ts.URL, secret, "dev1@example.com")

	// 6. Signing out ends the session: the portal asks for a login again.
	b.do("sign out",
		chromedp.Click(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`)))
	if got := b.location(ts.URL); got != "/login" {
		t.Errorf("after sign-out the browser is on %q, want /login", got)
	}
	b.do("open /catalog after sign-out",
		chromedp.Navigate(ts.URL+"/catalog"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login"]`)))
	if got := b.location(ts.URL); got != "/login?next=%2Fcatalog" {
		t.Errorf("signed-out visit to /catalog ended on %q, want the login page", got)
	}
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="current-user"]').length`)); err != nil {
		b.fatal("look for the current user", err)
	} else if n != 0 {
		t.Errorf("the login page after sign-out still shows a current user")
	}
}

// whoAmIWithToken calls IdentityService.WhoAmI over Connect's JSON protocol with a
// bearer token and expects the answer to name wantEmail.
func whoAmIWithToken(t *testing.T, baseURL, token, wantEmail string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/slipway.v1.IdentityService/WhoAmI", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("WhoAmI with the token from the browser: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read WhoAmI response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("WhoAmI with the token from the browser: status %d, body %s", resp.StatusCode, body)
	}
	if !strings.Contains(string(body), wantEmail) {
		t.Errorf("WhoAmI with the token from the browser answered %s, want it to name %s", body, wantEmail)
	}
}

// chromiumPath returns the path of a Chromium-compatible browser; without
// one the test fails in CI and is skipped elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	var err error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		var path string
		if path, err = exec.LookPath(name); err == nil {
			return path
		}
	}
	testkit.Missing(t, "Chromium", err)
	return ""
}

// headlessTab is one headless Chromium tab bound to a test.
type headlessTab struct {
	t   *testing.T
	ctx context.Context
}

// startHeadlessTab starts a fresh headless Chromium with its own profile. Every
// action runs under one overall timeout; the browser stops when the test ends.
func startHeadlessTab(t *testing.T, path string, timeout time.Duration) *headlessTab {
	t.Helper()
	// Created before the cleanup below is registered, so it is removed after
	// the browser has stopped writing to it.
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // root in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		// The test machine may have no internet: keep Chromium off it.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	// The first Run binds the browser's life to this context, so the
	// timeout covers the whole test.
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	// cancelAlloc waits for the browser process to exit.
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return &headlessTab{t: t, ctx: ctx}
}

// do runs steps and fails the test, with a screenshot, when one fails.
func (b *headlessTab) do(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.fatal(step, err)
	}
}

func (b *headlessTab) fatal(step string, err error) {
	b.t.Helper()
	where := ""
	if loc, lerr := chromedp.Run(b.ctx, chromedp.Location()); lerr == nil {
		where = " (page: " + loc + ")"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.New("timed out: an element never appeared or the page never loaded")
	}
	b.screenshot("failed-" + strings.NewReplacer(" ", "-", "/", "").Replace(step))
	b.t.Fatalf("%s: %v%s", step, err, where)
}

// text is the trimmed text of the first element sel matches.
func (b *headlessTab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fatal("read the text of "+sel, err)
	}
	return strings.TrimSpace(s)
}

// location is the current page's path and query on the server at base.
func (b *headlessTab) location(base string) string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fatal("read the location", err)
	}
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, base) {
		return loc
	}
	return u.RequestURI()
}

// screenshot saves a full-page PNG to $SLIPWAY_SCREENSHOT_DIR, when set.
func (b *headlessTab) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("SLIPWAY_SCREENSHOT_DIR")
	if dir == "" || b.ctx.Err() != nil {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.t.Logf("screenshot: %s", path)
}
