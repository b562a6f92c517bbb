package frontend_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// A reader of a long log in a real browser: the box opens on the newest
// lines, scrolling to its top loads the page before (once, keeping the
// reader's place), and the earlier-lines button loads the rest.
func TestBrowserRunLogScrollsBack(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	id := f.endedRunOf(t, "dev1@example.com", 2500)
	page := browsertest.MustPage(t, 60*time.Second)
	ctx := page.Ctx
	page.SignIn(f.url, "dev1@example.com")

	lineCount := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="log-line"]').length`))
		page.Must("count log lines", err)
		return n
	}
	// inView reports whether the element sel matches shows inside the log box.
	inView := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const el = document.querySelector(`+"`"+sel+"`"+`), box = document.getElementById('logs-box');
			if (!el) return false;
			const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
			return r.bottom > b.top && r.top < b.bottom;
		})()`))
		page.Must("look at "+sel, err)
		return v
	}

	page.Must("open run page", chromedp.Do(ctx, chromedp.Navigate(f.url+"/runs/"+id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="logs"]`))))
	if n := lineCount(); n != 1000 {
		t.Fatalf("run page shows %d lines, want the newest 1000", n)
	}
	if !inView(`[data-seq="2500"]`) || inView(`[data-testid="earlier-lines"]`) {
		t.Error("the log box does not open on its last line")
	}
	page.Screenshot("run-log-newest")

	run := func(step, script string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
		page.Must(step, err)
	}
	waitFor := func(step, condition string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](condition, chromedp.WithPollingTimeout(15*time.Second)))
		page.Must(step, err)
	}
	run("scroll to the top of the log", `document.querySelector('[data-testid="earlier-lines"]').scrollIntoView({block: "nearest"}), true`)
	waitFor("earlier lines load on scroll", `document.querySelectorAll('[data-testid="log-line"]').length === 2000`)
	if inView(`[data-testid="earlier-lines"]`) {
		t.Error("after loading a page, the next earlier-lines control is in view (it would load everything at once)")
	}
	if !inView(`[data-seq="1501"]`) {
		t.Error("loading earlier lines lost the reader's place")
	}
	run("click earlier lines", `document.querySelector('[data-testid="earlier-lines"] button').click(), true`)
	waitFor("earlier lines load on click", `document.querySelectorAll('[data-testid="log-line"]').length === 2500`)
	page.Screenshot("run-log-all")
	if got := page.Text(`[data-seq="1"]`); got != "line 1" {
		t.Errorf("first line %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="earlier-lines"]').length`)); err != nil || n != 0 {
		t.Errorf("%d earlier-lines controls above line 1 (%v)", n, err)
	}
}
