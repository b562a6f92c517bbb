package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/identity"
)

// editorDraft is a definition with a jq-visible field: the preview shows
// "reason" only to an admin (the form's .user).
func editorDraft(title string) string {
	return `{"identifier": "deploy", "title": "` + title + `",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {
	    "tag": {"type": "string", "title": "Tag"},
	    "reason": {"type": "string", "title": "Reason", "visible": {"jqQuery": ".user.role == \"admin\""}}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "https://hooks.example/x"}}`
}

func adminUser(t *testing.T, f selfServiceFixture) slipway.User {
	t.Helper()
	u, err := f.ident.UserByEmail(context.Background(), identity.DemoAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func fragment(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// The editor checks a draft as a save would, listing problems by field
// path, and shows the form as the chosen user will see it; a save is a
// version in the history, a version diffs against the current definition
// and restores as a new version.
func TestActionEditorChecksPreviewsSavesAndRestores(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	admin := browser()
	csrf := signIn(t, f.fixture, admin, identity.DemoAdminEmail)
	check := func(definition, asUser string) *goquery.Document {
		t.Helper()
		resp, body := postForm(t, admin, f.url+"/actions/check", url.Values{"definition": {definition}, "as_user": {asUser}},
			"HX-Request", "true", "X-CSRF-Token", csrf)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("check: %d %s", resp.StatusCode, body)
		}
		return fragment(t, body)
	}

	bad := check(strings.Replace(editorDraft("Deploy"), `"type": "string", "title": "Tag"`, `"type": "strin", "title": "Tag"`, 1), "")
	if p := bad.Find(`[data-testid="editor-problem"]`).Text(); !strings.Contains(p, "action.trigger.userInputs.properties.tag") {
		t.Errorf("a bad input type is not named by its path: %q", p)
	}
	if p := check("{\n  \"identifier\": \"x\",\n  }", "").Find(`[data-testid="editor-problem"]`).Text(); !strings.Contains(p, "line 3, column 3") {
		t.Errorf("a syntax error is not located: %q", p)
	}
	good := check(editorDraft("Deploy"), "")
	if good.Find(`[data-testid="editor-valid"]`).Length() != 1 || good.Find(`#editor-preview[hx-swap-oob] input[name="tag"]`).Length() != 1 {
		t.Fatalf("a valid draft's check: %s", good.Text())
	}
	if good.Find(`#field-reason[hidden]`).Length() != 0 || good.Find(`input[name="reason"]`).Length() != 1 {
		t.Error("the admin's preview hides reason, visible to admins")
	}
	if check(editorDraft("Deploy"), "dev1@example.com").Find(`#field-reason[hidden]`).Length() != 1 {
		t.Error("the preview as a member shows reason, visible to admins only")
	}
	private := strings.Replace(editorDraft("Deploy"), `"invocationMethod"`, `"permissions": {"execute": {"roles": ["admin"]}}, "invocationMethod"`, 1)
	if check(private, "dev1@example.com").Find(`[data-testid="editor-preview-notice"]`).Length() != 1 {
		t.Error("the preview as a member who may not run the action does not say so")
	}
	if check(editorDraft("Deploy"), "dev1@example.com").Find(`[data-testid="editor-preview-notice"]`).Length() != 0 {
		t.Error("the preview as a member who may run the action says they may not")
	}
	if p := check(editorDraft("Deploy"), "nobody@example.com").Find(`[data-testid="editor-problem"]`).Text(); !strings.Contains(p, "as_user") {
		t.Errorf("an unknown preview user: %q", p)
	}
	if _, err := f.store.GetAction(context.Background(), "deploy"); err == nil {
		t.Fatal("a check saved the draft")
	}
	// A DAY-2 draft shows its form over the chosen entity: .entity reaches
	// the rules, and an entity that does not exist is a problem on "entity".
	if _, err := f.catalog.CreateBlueprint(context.Background(), adminUser(t, f), []byte(`{"identifier": "service", "schema": {"properties": {"tier": {"type": "string"}}}}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.catalog.UpsertEntity(context.Background(), adminUser(t, f), catalog.Entity{Blueprint: "service", Identifier: "api", Properties: map[string]any{"tier": "gold"}}); err != nil {
		t.Fatal(err)
	}
	day2 := `{"identifier": "restart", "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service", "userInputs": {"properties": {
	    "note": {"type": "string", "default": {"jqQuery": ".entity.properties.tier"}}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "https://hooks.example/x"}}`
	checkOn := func(entity string) *goquery.Document {
		t.Helper()
		_, body := postForm(t, admin, f.url+"/actions/check", url.Values{"definition": {day2}, "entity": {entity}}, "HX-Request", "true", "X-CSRF-Token", csrf)
		return fragment(t, body)
	}
	if v, _ := checkOn("api").Find(`#editor-preview input[name="note"]`).Attr("value"); v != "gold" {
		t.Errorf("the jq default over the chosen entity: %q", v)
	}
	if p := checkOn("nope").Find(`[data-testid="editor-problem"]`).Text(); !strings.Contains(p, "entity") {
		t.Errorf("a missing entity: %q", p)
	}

	save := func(original, definition string) *http.Response {
		t.Helper()
		resp, _ := postForm(t, admin, f.url+"/actions", url.Values{"csrf_token": {csrf}, "original": {original}, "definition": {definition}})
		return resp
	}
	if resp := save("", editorDraft("Deploy")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/actions/deploy/edit?saved=1" {
		t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := save("", editorDraft("Again")); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("creating an existing action: %d", resp.StatusCode)
	}
	if resp := save("deploy", editorDraft("Deploy it")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	_, page := getDoc(t, admin, f.url+"/actions/deploy/edit")
	if n := page.Find(`[data-testid="version-row"]`).Length(); n != 2 {
		t.Fatalf("history lists %d versions, want 2", n)
	}
	if !strings.Contains(page.Find(`[data-testid="version-row"]`).First().Text(), identity.DemoAdminEmail) {
		t.Errorf("newest version's author: %s", page.Find(`[data-testid="version-row"]`).First().Text())
	}
	_, diff := getDoc(t, admin, f.url+"/actions/deploy/versions/1")
	lines := diff.Find(`[data-testid="diff"]`).Text()
	if !strings.Contains(lines, `- "title": "Deploy",`) && !strings.Contains(lines, `-   "title": "Deploy",`) {
		t.Errorf("diff of version 1 with the current: %q", lines)
	}
	if !strings.Contains(lines, `"title": "Deploy it"`) {
		t.Errorf("diff lacks the current title: %q", lines)
	}
	resp, _ := postForm(t, admin, f.url+"/actions/deploy/versions/1/restore", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d", resp.StatusCode)
	}
	if d, err := f.store.GetAction(context.Background(), "deploy"); err != nil || d.Title != "Deploy" {
		t.Errorf("after restore: %q, %v", d.Title, err)
	}
	_, page = getDoc(t, admin, f.url+"/actions/deploy/edit")
	if n := page.Find(`[data-testid="version-row"]`).Length(); n != 3 {
		t.Errorf("history after restore lists %d versions, want 3", n)
	}
	_, same := getDoc(t, admin, f.url+"/actions/deploy/versions/3")
	if same.Find(`[data-testid="diff-same"]`).Length() != 1 {
		t.Error("the current version diffs as changed")
	}
	if _, exec := getDoc(t, admin, f.url+"/self-service/deploy"); exec.Find(`a[data-testid="edit-action"][href="/actions/deploy/edit"]`).Length() != 1 {
		t.Error("the action's page has no edit link for the admin")
	}
	member := browser()
	signIn(t, f.fixture, member, "dev1@example.com")
	if resp, exec := getDoc(t, member, f.url+"/self-service/deploy"); resp.StatusCode == http.StatusOK && exec.Find(`[data-testid="edit-action"]`).Length() != 0 {
		t.Error("a member's action page links the editor")
	}
	_, copied := getDoc(t, admin, f.url+"/actions/new?copy=deploy")
	if v := copied.Find(`[data-testid="editor-definition"]`).Text(); !strings.Contains(v, `"deploy_copy"`) {
		t.Errorf("copy: %s", v)
	}
	resp, _ = postForm(t, admin, f.url+"/actions/deploy/delete", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, err := f.store.GetAction(context.Background(), "deploy"); err == nil {
		t.Error("deleted action still there")
	}
	_, list := getDoc(t, admin, f.url+"/actions")
	restore, ok := list.Find(`[data-testid="deleted-action"] form`).Attr("action")
	if !ok || restore != "/actions/deploy/versions/3/restore" {
		t.Fatalf("deleted deploy is not offered for restore: %q", restore)
	}
	if resp, _ := postForm(t, admin, f.url+restore, url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore of the deleted action: %d", resp.StatusCode)
	}
	if d, err := f.store.GetAction(context.Background(), "deploy"); err != nil || d.Title != "Deploy" {
		t.Errorf("restored deleted action: %q, %v", d.Title, err)
	}
}

// To members the editor does not exist: no link, and not found everywhere.
func TestActionEditorIsInvisibleToMembers(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	member := browser()
	csrf := signIn(t, f.fixture, member, "dev1@example.com")
	resp, home := getDoc(t, member, f.url+"/")
	if resp.StatusCode != http.StatusOK || home.Find(`nav a[href="/actions"]`).Length() != 0 {
		t.Errorf("members' navigation links the editor")
	}
	for _, path := range []string{"/actions", "/actions/new", "/actions/deploy/edit", "/actions/deploy/versions/1"} {
		resp := getWith(t, member, f.url+path)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/actions", "/actions/check", "/actions/deploy/delete", "/actions/deploy/versions/1/restore"} {
		if resp, _ := postForm(t, member, f.url+path, url.Values{"csrf_token": {csrf}, "definition": {editorDraft("x")}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d", path, resp.StatusCode)
		}
	}
}
