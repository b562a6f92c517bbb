package frontend_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/slipwayhq/slipway/identity"
)

// Unknown paths and missing things get the portal's 404 page in the
// layout (navigation, favicon, a title), not Go's bare text; other methods
// on unknown paths get a plain 404.
func TestPortal404PageTitlesAndFavicon(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	anonymous := browser()
	resp, doc := getDoc(t, anonymous, f.url+"/no-such-page")
	if resp.StatusCode != http.StatusNotFound || doc.Find(`[data-testid="not-found"]`).Length() != 1 {
		t.Fatalf("anonymous unknown path: %d, portal 404 page=%v", resp.StatusCode, doc.Find(`[data-testid="not-found"]`).Length() == 1)
	}

	c := browser()
	signIn(t, f.fixture, c, "dev1@example.com")
	for _, path := range []string{"/no-such-page", "/catalog/no-such-blueprint", "/self-service/no-such-action", "/runs/00000000-0000-0000-0000-000000000009"} {
		resp, doc := getDoc(t, c, f.url+path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			continue
		}
		if doc.Find(`[data-testid="not-found"]`).Length() != 1 || doc.Find(`[data-testid="nav"]`).Length() != 1 {
			t.Errorf("%s: not the portal's 404 page in the layout", path)
		}
		if title := doc.Find("title").Text(); title != "Not found · Slipway" {
			t.Errorf("%s: title %q", path, title)
		}
		if href, _ := doc.Find(`link[rel="icon"]`).Attr("href"); href != "/static/favicon.svg" {
			t.Errorf("%s: favicon %q", path, href)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, f.url+"/no-such-page", nil)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST to an unknown path: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Each page names itself in the browser's tab.
	for path, want := range map[string]string{
		"/": "Home", "/self-service": "Self-service", "/runs": "Runs", "/approvals": "Approvals",
		"/catalog": "Catalog", "/tokens": "API tokens", "/notifications": "Notifications",
	} {
		_, doc := getDoc(t, c, f.url+path)
		if got := doc.Find("title").Text(); got != want+" · Slipway" {
			t.Errorf("%s: title %q, want %q", path, got, want+" · Slipway")
		}
	}
}

// An action's Port icon shows on its card and its page; an unknown name
// gets the generic icon.
func TestActionIconsOnCardsAndPages(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	ctx := context.Background()
	admin := f.admin(t)
	for id, icon := range map[string]string{"deploy": "Github", "odd": "NoSuchIcon"} {
		if _, err := f.store.CreateAction(ctx, admin, []byte(`{"identifier": "`+id+`", "title": "T `+id+`", "icon": "`+icon+`", "publish": true,
			"trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
			"invocationMethod": {"type": "WEBHOOK", "url": "https://backend.example/hook"}}`)); err != nil {
			t.Fatal(err)
		}
	}
	c := browser()
	signIn(t, f.fixture, c, "dev1@example.com")
	_, doc := getDoc(t, c, f.url+"/self-service")
	for id, want := range map[string]string{"deploy": "/static/icons/github.svg", "odd": "/static/icons/default.svg"} {
		if src, _ := doc.Find(`[data-testid="action-` + id + `"] img.icon`).Attr("src"); src != want {
			t.Errorf("card %s: icon %q, want %q", id, src, want)
		}
	}
	_, doc = getDoc(t, c, f.url+"/self-service/deploy")
	if src, _ := doc.Find(`[data-testid="page-title"] img.icon`).Attr("src"); src != "/static/icons/github.svg" {
		t.Errorf("action page icon %q", src)
	}
	if title := doc.Find("title").Text(); title != "T deploy · Slipway" {
		t.Errorf("action page title %q", title)
	}
	run := f.endedRunOf(t, identity.DemoAdminEmail, 0)
	admins := browser()
	signIn(t, f.fixture, admins, identity.DemoAdminEmail)
	_, doc = getDoc(t, admins, f.url+"/runs/"+run)
	if src, _ := doc.Find(`[data-testid="page-title"] img.icon`).Attr("src"); src != "/static/icons/github.svg" {
		t.Errorf("run page icon %q", src)
	}
}
