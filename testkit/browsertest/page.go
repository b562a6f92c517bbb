package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Page drives one browser through a test's steps: a step that fails
// leaves a screenshot named after it and ends the test.
type Page struct {
	tb  testing.TB
	Ctx context.Context
}

// MustPage is MustNew wrapped in a Page.
func MustPage(tb testing.TB, timeout time.Duration) *Page {
	tb.Helper()
	return &Page{tb: tb, Ctx: MustNew(tb, timeout)}
}

// Must fails the test on err, after a screenshot of the failed step.
func (p *Page) Must(step string, err error) {
	p.tb.Helper()
	if err != nil {
		Screenshot(p.tb, p.Ctx, "failed-"+strings.ReplaceAll(step, " ", "-"))
		p.tb.Fatalf("%s: %v", step, err)
	}
}

// Text is the trimmed text of the first element sel matches.
func (p *Page) Text(sel string) string {
	p.tb.Helper()
	// Wait for the element, then read it in one script: live pages replace
	// their status fragments, and a node found in one step may be gone in
	// the next (chromedp.Text reads a node it queried before).
	_, err := chromedp.Run(p.Ctx, chromedp.WaitReady(chromedp.CSS(sel)))
	p.Must("wait for "+sel, err)
	s, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
	p.Must("read "+sel, err)
	return strings.TrimSpace(s)
}

// Value is the value of the form field sel matches.
func (p *Page) Value(sel string) string {
	p.tb.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.Value(chromedp.CSS(sel)))
	p.Must("read the value of "+sel, err)
	return v
}

// Location is the page's URL.
func (p *Page) Location() string {
	p.tb.Helper()
	loc, err := chromedp.Run(p.Ctx, chromedp.Location())
	p.Must("location", err)
	return loc
}

// SignIn signs in on the portal at base through the dev login page.
func (p *Page) SignIn(base, email string) {
	p.tb.Helper()
	p.Must("sign in as "+email, chromedp.Do(p.Ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-as-`+email+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="current-user"]`))))
}

// Screenshot keeps the page as a test artifact.
func (p *Page) Screenshot(name string) { Screenshot(p.tb, p.Ctx, name) }
