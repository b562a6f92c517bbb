package frontend_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// An admin types in the action editor: a mistake shows as an error on its
// field path while typing, and the live form beside the JSON follows the
// definition (a new input appears) without a save or a reload.
func TestBrowserActionEditorChecksWhileTypingAndPreviewFollows(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	page := browsertest.MustPage(t, 60*time.Second)
	ctx := page.Ctx
	poll := func(what, js string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second)))
		page.Must(what, err)
	}
	// typeDefinition replaces the JSON as typing does: input events on the textarea.
	typeDefinition := func(definition string) {
		t.Helper()
		poll("the editor to settle", `document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping') === null`)
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
			const el = document.querySelector('[data-testid="editor-definition"]');
			el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true})); return true })()`, definition)))
		page.Must("type the definition", err)
	}

	page.SignIn(f.url, identity.DemoAdminEmail)
	page.Must("open the editor", chromedp.Do(ctx,
		chromedp.Navigate(f.url+"/actions/new"),
		chromedp.WaitVisible(chromedp.CSS(`#editor-preview [data-testid="input-name"]`))))
	window := `window.__editor = 1`
	_, err := chromedp.Run(ctx, chromedp.Evaluate[int](window))
	page.Must("mark the page", err)

	draft := editorDraft("Deploy")
	typeDefinition(strings.Replace(draft, `"type": "string", "title": "Tag"`, `"type": "strin", "title": "Tag"`, 1))
	poll("the field error while typing", `Array.from(document.querySelectorAll('[data-testid="editor-problem"]')).some(li => li.textContent.includes('action.trigger.userInputs.properties.tag'))`)
	page.Screenshot("editor-field-error")

	typeDefinition(draft)
	poll("the preview follows the definition", `document.querySelector('#editor-preview [data-testid="input-tag"]') !== null &&
		document.querySelector('#editor-preview [data-testid="input-name"]') === null &&
		document.querySelector('[data-testid="editor-valid"]') !== null`)
	if got := page.Text(`#editor-preview [data-testid="execute-form"]`); !strings.Contains(got, "Tag") {
		t.Errorf("preview form %q lacks the Tag input", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__editor === 1`))
	page.Must("read the mark", err)
	if !kept {
		t.Error("the page reloaded: the check is not a fragment swap")
	}
	page.Screenshot("editor-preview")
}
