package frontend_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/PuerkitoBio/goquery"

	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

type fixture struct {
	url   string
	ident *identity.Service
	// adminToken authenticates as the seeded admin.
	adminToken string
	api        slipwayv1connect.IdentityServiceClient
}

// seededStore is a fresh database with the demo users and teams.
func newFixture(t testing.TB, devLogin bool) *fixture {
	t.Helper()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(t)
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Catalog: &catalog.Service{Store: store}, Logger: slog.New(slog.DiscardHandler), DevLogin: devLogin})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	_, tok, err := ident.CreateTokenForEmail(ctx, identity.DemoAdminEmail, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{url: ts.URL, ident: ident, adminToken: tok,
		api: slipwayv1connect.NewIdentityServiceClient(http.DefaultClient, ts.URL)}
}

func authed[T any](msg *T, token string) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

func connectCode(t *testing.T, err error) connect.Code {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want a Connect error, got %v", err)
	}
	return ce.Code()
}

func TestAPIErrorsCarryTheRightCodeAndNameTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	ctx := context.Background()

	_, err := f.api.CreateToken(ctx, authed(&slipwayv1.CreateTokenRequest{Name: " "}, f.adminToken))
	if connectCode(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "name") {
		t.Errorf("empty name: %v", err)
	}
	_, err = f.api.CreateToken(ctx, authed(&slipwayv1.CreateTokenRequest{Name: "x", TtlDays: -1}, f.adminToken))
	if connectCode(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "ttl_days") {
		t.Errorf("negative ttl: %v", err)
	}
	_, err = f.api.RevokeToken(ctx, authed(&slipwayv1.RevokeTokenRequest{Id: "not-a-uuid"}, f.adminToken))
	if connectCode(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "id") {
		t.Errorf("bad id: %v", err)
	}
	_, err = f.api.RevokeToken(ctx, authed(&slipwayv1.RevokeTokenRequest{Id: "6f1c1f3e-0000-4000-8000-000000000000"}, f.adminToken))
	if connectCode(t, err) != connect.CodeNotFound {
		t.Errorf("unknown token: %v", err)
	}
	for _, header := range []string{"", "Bearer", "Basic abc", "Bearer slw_nope", "Bearer sws_session-cookie-value"} {
		req := connect.NewRequest(&slipwayv1.WhoAmIRequest{})
		if header != "" {
			req.Header().Set("Authorization", header)
		}
		if _, err := f.api.WhoAmI(ctx, req); connectCode(t, err) != connect.CodeUnauthenticated {
			t.Errorf("Authorization %q: got %v", header, err)
		}
	}
}

func TestMembersRevokeOnlyTheirOwnTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	ctx := context.Background()
	devTok, devSecret, err := f.ident.CreateTokenForEmail(ctx, "dev1@example.com", "dev", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, otherSecret, _ := f.ident.CreateTokenForEmail(ctx, "dev2@example.com", "other", 0)
	_, err = f.api.RevokeToken(ctx, authed(&slipwayv1.RevokeTokenRequest{Id: devTok.ID.String()}, otherSecret))
	if connectCode(t, err) != connect.CodeNotFound {
		t.Fatalf("another member revoked the token: %v", err)
	}
	if _, err := f.api.WhoAmI(ctx, authed(&slipwayv1.WhoAmIRequest{}, devSecret)); err != nil {
		t.Fatalf("token should still work: %v", err)
	}
	// Admins may revoke anyone's token.
	if _, err := f.api.RevokeToken(ctx, authed(&slipwayv1.RevokeTokenRequest{Id: devTok.ID.String()}, f.adminToken)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.api.WhoAmI(ctx, authed(&slipwayv1.WhoAmIRequest{}, devSecret)); connectCode(t, err) != connect.CodeUnauthenticated {
		t.Fatalf("revoked token still works: %v", err)
	}
	list, err := f.api.ListTokens(ctx, authed(&slipwayv1.ListTokensRequest{}, otherSecret))
	if err != nil || len(list.Msg.GetTokens()) != 1 || list.Msg.GetTokens()[0].GetName() != "other" {
		t.Fatalf("ListTokens shows only the caller's tokens: %v %v", list, err)
	}
}

// browser is a cookie-keeping client that does not follow redirects.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// getWith sends a GET with header's name, value pairs; the caller closes the body.
func getWith(t *testing.T, c *http.Client, u string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func getDoc(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, *goquery.Document) {
	t.Helper()
	resp := getWith(t, c, u, header...)
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, doc
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return testkit.Do(t, c, req)
}

func csrfOf(t *testing.T, doc *goquery.Document) string {
	t.Helper()
	v, ok := doc.Find(`input[name="csrf_token"]`).First().Attr("value")
	if !ok || v == "" {
		t.Fatal("page has no CSRF token")
	}
	return v
}

// signIn signs c in as email and returns the session's CSRF token.
func signIn(t *testing.T, f *fixture, c *http.Client, email string) string {
	t.Helper()
	_, doc := getDoc(t, c, f.url+"/login")
	csrf := csrfOf(t, doc)
	resp, _ := postForm(t, c, f.url+"/login", url.Values{"email": {email}, "csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %d", email, resp.StatusCode)
	}
	// The session has its own token; the login page's does not carry over.
	_, doc = getDoc(t, c, f.url+"/tokens")
	return csrfOf(t, doc)
}

func TestLoginRejectsUnknownUsersAndForgedForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	c := browser()
	_, doc := getDoc(t, c, f.url+"/login")
	if n := doc.Find(`[data-testid^="login-as-"]`).Length(); n != len(identity.DemoUsers) {
		t.Errorf("login page offers %d users, want %d", n, len(identity.DemoUsers))
	}
	csrf := csrfOf(t, doc)

	resp, body := postForm(t, c, f.url+"/login", url.Values{"email": {"mallory@example.com"}, "csrf_token": {csrf}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Unknown user") {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	for _, ck := range c.Jar.Cookies(mustURL(f.url)) {
		if ck.Name == "slipway_session" {
			t.Error("an unknown user got a session")
		}
	}

	resp, _ = postForm(t, c, f.url+"/login", url.Values{"email": {"dev1@example.com"}, "csrf_token": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF token: %d, want 403", resp.StatusCode)
	}
	// A cross-site form post carries no CSRF cookie at all.
	resp, _ = postForm(t, &http.Client{}, f.url+"/login", url.Values{"email": {"dev1@example.com"}, "csrf_token": {csrf}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF cookie: %d, want 403", resp.StatusCode)
	}

	resp, _ = postForm(t, c, f.url+"/login", url.Values{"email": {"dev1@example.com"}, "csrf_token": {csrf}, "next": {"//evil.example/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("open redirect: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "slipway_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie must be HttpOnly and SameSite=Lax: %+v", ck)
		}
	}
}

func TestDevLoginCanBeDisabled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, false)
	c := browser()
	_, doc := getDoc(t, c, f.url+"/login")
	if doc.Find(`[data-testid^="login-as-"]`).Length() != 0 {
		t.Error("disabled dev login still lists users")
	}
	resp, _ := postForm(t, c, f.url+"/login", url.Values{"email": {"dev1@example.com"}, "csrf_token": {csrfFromJar(t, c, f.url)}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with dev login disabled: %d", resp.StatusCode)
	}
}

func TestPortalPagesAndHTMXFragments(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	c := browser()

	// htmx requests from an expired session get HX-Redirect, not a login page swapped into a fragment.
	resp, _ := getDoc(t, c, f.url+"/tokens", "HX-Request", "true")
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("HX-Redirect"), "/login") {
		t.Errorf("anonymous htmx: %d %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}

	csrf := signIn(t, f, c, "dev2@example.com")
	for _, p := range []string{"/self-service", "/runs", "/approvals", "/insights", "/catalog"} {
		resp, doc := getDoc(t, c, f.url+p)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
			continue
		}
		if cur, _ := doc.Find(`nav a[aria-current="page"]`).Attr("href"); cur != p {
			t.Errorf("%s: navigation marks %q as current", p, cur)
		}
		// The audit log is an admin's page; a member's navigation leaves it out.
		if doc.Find(`nav a[href="/audit"]`).Length() != 0 {
			t.Errorf("%s: a member's navigation offers the audit log", p)
		}
	}
	_, home := getDoc(t, c, f.url+"/")
	if got := home.Find(`[data-testid="teams"]`).Text(); !strings.Contains(got, "Payments") {
		t.Errorf("home shows teams %q", got)
	}

	// Creating a token through htmx returns only the table fragment, with the secret once.
	resp, body := postForm(t, c, f.url+"/tokens", url.Values{"name": {"laptop"}, "ttl_days": {"30"}}, "HX-Request", "true", "X-CSRF-Token", csrf)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
		t.Fatalf("htmx create: %d, full page=%v", resp.StatusCode, strings.Contains(body, "<html"))
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	secret := doc.Find(`[data-testid="new-token"]`).Text()
	if !strings.HasPrefix(secret, "slw_") {
		t.Fatalf("new token not shown: %q", body)
	}
	if _, err := f.api.WhoAmI(context.Background(), authed(&slipwayv1.WhoAmIRequest{}, secret)); err != nil {
		t.Fatalf("token from the portal does not work: %v", err)
	}
	// The listing never shows it again.
	_, page := getDoc(t, c, f.url+"/tokens")
	if strings.Contains(page.Text(), secret) {
		t.Error("the token page shows the secret again")
	}

	// Bad input comes back inside the fragment, naming the field.
	_, body = postForm(t, c, f.url+"/tokens", url.Values{"name": {"x"}, "ttl_days": {"soon"}}, "HX-Request", "true", "X-CSRF-Token", csrf)
	if !strings.Contains(body, "ttl_days") {
		t.Errorf("bad ttl not explained: %s", body)
	}
	// The htmx header must carry the CSRF token too.
	resp, _ = postForm(t, c, f.url+"/tokens", url.Values{"name": {"y"}, "ttl_days": {"1"}}, "HX-Request", "true")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("htmx post without CSRF: %d", resp.StatusCode)
	}
}

func TestHealthAndStatic(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	for _, p := range []string{"/healthz", "/healthz/live", "/healthz/ready"} {
		resp, err := http.Get(f.url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	resp, err := http.Get(f.url + "/static/htmx-2.0.11.min.js")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "htmx") {
		t.Errorf("htmx not served from the binary: %d", resp.StatusCode)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func csrfFromJar(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	for _, ck := range c.Jar.Cookies(mustURL(base)) {
		if ck.Name == "slipway_csrf" {
			return ck.Value
		}
	}
	t.Fatal("no CSRF cookie")
	return ""
}
