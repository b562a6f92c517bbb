package frontend_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// newSSOFixture serves the portal with single sign-on against idp, on a
// seeded database (teams platform and payments).
func newSSOFixture(t *testing.T, idp *testIdP, devLogin bool, logs io.Writer) *fixture {
	t.Helper()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The redirect URL names the portal's own address, known once it listens.
	var handler http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	idp.RedirectURI = ts.URL + "/auth/oidc/callback"
	handler = frontend.New(frontend.Deps{
		Store: store, Identity: ident, Logger: slog.New(slog.NewTextHandler(logs, nil)), DevLogin: devLogin,
		OIDC: &frontend.OIDC{
			Issuer: idp.URL, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
			RedirectURL: idp.RedirectURI, AdminGroup: "slipway-admins",
		},
	})
	return &fixture{url: ts.URL, ident: ident}
}

// ssoStart follows the portal to the provider and the provider back, and
// returns the callback URL the browser is sent to.
func ssoStart(t *testing.T, f *fixture, c *http.Client, next string) string {
	t.Helper()
	_, doc := getDoc(t, c, f.url+"/login?next="+next)
	href, ok := doc.Find(`[data-testid="login-sso"]`).Attr("href")
	if !ok {
		t.Fatal("the login page offers no single sign-on")
	}
	resp := get(t, c, f.url+href)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("SSO start: %d", resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "slipway_oidc" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/auth/oidc/" || ck.MaxAge <= 0 || ck.MaxAge > 900) {
			t.Errorf("the flow cookie must be HttpOnly, SameSite=Lax, short-lived and kept to /auth/oidc/: %+v", ck)
		}
	}
	resp = get(t, c, resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("provider authorize: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func get(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func hasSession(f *fixture, c *http.Client) bool {
	for _, ck := range c.Jar.Cookies(mustURL(f.url)) {
		if ck.Name == "slipway_session" {
			return true
		}
	}
	return false
}

func teamsOf(u slipway.User) []string {
	var out []string
	for _, t := range u.Teams {
		out = append(out, t.Identifier)
	}
	return out
}

func TestSingleSignOnCreatesTheUserAndFollowsTheirGroups(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	f := newSSOFixture(t, idp, true, io.Discard)
	ctx := context.Background()

	// Both methods are offered when dev login is on too.
	_, doc := getDoc(t, browser(), f.url+"/login")
	if doc.Find(`[data-testid="login-sso"]`).Length() != 1 || doc.Find(`[data-testid^="login-as-"]`).Length() != len(identity.DemoUsers) {
		t.Error("the login page should offer single sign-on and the dev login")
	}

	idp.SignInAs(map[string]any{
		"email": "Sam.Sso@example.com", "email_verified": true, "name": "Sam Sso",
		"groups": []string{"Payments", "no-such-team"},
	})
	c := browser()
	callback := ssoStart(t, f, c, "/tokens")
	resp := get(t, c, callback)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tokens" {
		t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "slipway_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie must be HttpOnly and SameSite=Lax: %+v", ck)
		}
	}
	_, home := getDoc(t, c, f.url+"/")
	if got := home.Find(`[data-testid="teams"]`).Text(); !strings.Contains(got, "Payments") {
		t.Errorf("home shows teams %q", got)
	}
	u, err := f.ident.UserByEmail(ctx, "sam.sso@example.com")
	if err != nil {
		t.Fatalf("first sign-in did not create the user: %v", err)
	}
	if u.Name != "Sam Sso" || u.Role != slipway.RoleMember || !slices.Equal(teamsOf(u), []string{"payments"}) {
		t.Errorf("first sign-in: %+v", u)
	}
	if teams, _ := f.ident.Teams(ctx); len(teams) != 2 {
		t.Errorf("an unknown group created a team: %+v", teams)
	}

	// The callback is good once: replaying it is refused.
	if resp := get(t, c, callback); resp.StatusCode == http.StatusSeeOther {
		t.Error("a replayed callback signed in again")
	}

	// Signing in again with other groups moves the user, and the admin group makes them admin.
	idp.SignInAs(map[string]any{
		"email": "sam.sso@example.com", "email_verified": true, "name": "Samantha Sso",
		"groups": []string{"platform", "slipway-admins"},
	})
	c2 := browser()
	if resp := get(t, c2, ssoStart(t, f, c2, "/")); resp.StatusCode != http.StatusSeeOther || !hasSession(f, c2) {
		t.Fatalf("second sign-in: %d", resp.StatusCode)
	}
	u2, _ := f.ident.UserByEmail(ctx, "sam.sso@example.com")
	if u2.ID != u.ID || u2.Name != "Samantha Sso" || !u2.IsAdmin() || !slices.Equal(teamsOf(u2), []string{"platform"}) {
		t.Errorf("second sign-in: %+v", u2)
	}
}

func TestSingleSignOnRefusals(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	logs := &testkit.LockedBuffer{}
	f := newSSOFixture(t, idp, false, logs)

	// With the dev login off, the login page offers single sign-on alone.
	_, doc := getDoc(t, browser(), f.url+"/login")
	if doc.Find(`[data-testid="login-sso"]`).Length() != 1 || doc.Find(`[data-testid^="login-as-"]`).Length() != 0 {
		t.Error("the login page should offer single sign-on only")
	}

	person := map[string]any{"email": "pat@example.com", "email_verified": true, "name": "Pat", "groups": []string{"payments"}}
	cases := []struct {
		name   string
		tamper func(map[string]any)
		// callback rewrites the URL the provider sends the browser back to.
		callback func(string) string
		status   int
		// logged is what the operator learns from the log.
		logged string
	}{
		{name: "bad state", callback: func(u string) string { return replaceQuery(u, "state", "forged") }, status: http.StatusBadRequest, logged: "state does not match"},
		{name: "provider error", callback: func(u string) string {
			return replaceQuery(replaceQuery(u, "code", ""), "error", "access_denied")
		}, status: http.StatusUnauthorized, logged: "access_denied"},
		{name: "wrong nonce", tamper: func(c map[string]any) { c["nonce"] = "another-flow" }, status: http.StatusUnauthorized, logged: "nonce does not match"},
		{name: "wrong audience", tamper: func(c map[string]any) { c["aud"] = "another-client" }, status: http.StatusUnauthorized, logged: "expected audience"},
		{name: "issued to another client", tamper: func(c map[string]any) {
			c["aud"], c["azp"] = []string{"another-client", idp.ClientID}, "another-client"
		}, status: http.StatusUnauthorized, logged: "authorized party"},
		{name: "wrong issuer", tamper: func(c map[string]any) { c["iss"] = "https://evil.example" }, status: http.StatusUnauthorized, logged: "id token issued by a different provider"},
		{name: "expired token", tamper: func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
		}, status: http.StatusUnauthorized, logged: "token is expired"},
		{name: "unverified email", tamper: func(c map[string]any) { c["email_verified"] = false }, status: http.StatusUnauthorized, logged: "email_verified is false"},
		{name: "unverified email as a string", tamper: func(c map[string]any) { c["email_verified"] = "false" }, status: http.StatusUnauthorized, logged: `email_verified is \"false\"`},
		{name: "unreadable groups", tamper: func(c map[string]any) { c["groups"] = map[string]int{"payments": 1} }, status: http.StatusUnauthorized, logged: "neither a list of strings nor a string"},
		{name: "no email", tamper: func(c map[string]any) { delete(c, "email") }, status: http.StatusUnauthorized, logged: "no email claim"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idp.SignInAs(person)
			idp.TamperWith(tc.tamper)
			c := browser()
			callback := ssoStart(t, f, c, "/runs")
			if tc.callback != nil {
				callback = tc.callback(callback)
			}
			logs.Reset()
			resp, page := getDoc(t, c, callback)
			if !strings.Contains(logs.String(), tc.logged) {
				t.Errorf("the log does not explain %q: %s", tc.logged, logs.String())
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			msg := page.Find(`[data-testid="login-error"]`).Text()
			if page.Find(`[data-testid="login-sso"]`).Length() != 1 || msg == "" {
				t.Errorf("want the login page with an explanation, got %q", page.Text())
			}
			for _, internal := range []string{"oidc:", "nonce", "audience", "token is expired", "id_token", "state does not", "claim"} {
				if strings.Contains(strings.ToLower(msg), internal) {
					t.Errorf("the message %q leaks internal detail %q", msg, internal)
				}
			}
			if hasSession(f, c) {
				t.Error("a refused sign-in got a session")
			}
			if resp := get(t, c, f.url+"/runs"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("refused browser reached the portal: %d", resp.StatusCode)
			}
		})
	}
	if _, err := f.ident.UserByEmail(context.Background(), "pat@example.com"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("a refused sign-in created the user: %v", err)
	}

	// A callback without the flow cookie (another browser) is refused too.
	idp.SignInAs(person)
	callback := ssoStart(t, f, browser(), "/")
	other := browser()
	resp, page := getDoc(t, other, callback)
	if resp.StatusCode != http.StatusBadRequest || page.Find(`[data-testid="login-error"]`).Length() != 1 || hasSession(f, other) {
		t.Errorf("callback in another browser: %d", resp.StatusCode)
	}
}

// TestSingleSignOnProviderDown shows the login page, not an error page, when
// the provider cannot be reached.
func TestSingleSignOnProviderDown(t *testing.T) {
	t.Parallel()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	srv := frontend.New(frontend.Deps{
		Store: store, Identity: ident, Logger: slog.New(slog.DiscardHandler), DevLogin: true,
		OIDC: &frontend.OIDC{Issuer: down.URL, ClientID: "x", ClientSecret: "y", RedirectURL: "http://portal/auth/oidc/callback"},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	resp, page := getDoc(t, browser(), ts.URL+"/auth/oidc/login?next=/runs")
	if resp.StatusCode != http.StatusBadGateway || page.Find(`[data-testid="login-error"]`).Length() != 1 {
		t.Errorf("provider down: %d %q", resp.StatusCode, page.Find(`[data-testid="login-error"]`).Text())
	}
	if page.Find(`[data-testid^="login-as-"]`).Length() == 0 {
		t.Error("the dev login should still be offered while the provider is down")
	}
}

func replaceQuery(raw, key, value string) string {
	u := mustURL(raw)
	q := u.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
