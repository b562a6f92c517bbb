package frontend_test

import (
	"net/http"
	"net/url"
	"testing"
)

// pageCSRF returns the CSRF token a signed-in page hands its forms.
func pageCSRF(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	_, doc := getDoc(t, c, u)
	return csrfOf(t, doc)
}

// setCookie plants a cookie for the portal in c's jar, as a sibling
// subdomain or a man in the middle on plain http could.
func setCookie(c *http.Client, base, name, value string) {
	c.Jar.SetCookies(mustURL(base), []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	victim, attacker := browser(), browser()
	signIn(t, f, victim, "dev1@example.com")
	signIn(t, f, attacker, "dev2@example.com")
	attackerToken := pageCSRF(t, attacker, f.url+"/tokens")
	attackerCookie := ""
	for _, ck := range attacker.Jar.Cookies(mustURL(f.url)) {
		if ck.Name == "slipway_csrf" {
			attackerCookie = ck.Value
		}
	}

	// The attacker plants their own CSRF cookie in the victim's browser and
	// submits a form carrying the matching token: the victim's session must
	// not accept a token it did not issue.
	if attackerCookie != "" {
		setCookie(victim, f.url, "slipway_csrf", attackerCookie)
	}
	form := url.Values{"name": {"planted"}, "ttl_days": {"1"}, "csrf_token": {attackerToken}}
	if resp, _ := postForm(t, victim, f.url+"/tokens", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a token from another session: %d, want 403", resp.StatusCode)
	}
	// A pre-session token (the login page's) no longer works once signed in.
	anon := browser()
	preToken := pageCSRF(t, anon, f.url+"/login")
	for _, ck := range anon.Jar.Cookies(mustURL(f.url)) {
		if ck.Name == "slipway_csrf" {
			setCookie(victim, f.url, "slipway_csrf", ck.Value)
		}
	}
	form.Set("csrf_token", preToken)
	if resp, _ := postForm(t, victim, f.url+"/tokens", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a pre-session token on a signed-in session: %d, want 403", resp.StatusCode)
	}

	// The victim's own token still works, in a form and in an htmx header,
	// whatever CSRF cookie was planted.
	own := pageCSRF(t, victim, f.url+"/tokens")
	form.Set("csrf_token", own)
	if resp, _ := postForm(t, victim, f.url+"/tokens", form); resp.StatusCode != http.StatusOK {
		t.Errorf("own token in a form: %d, want 200", resp.StatusCode)
	}
	if resp, _ := postForm(t, victim, f.url+"/tokens", url.Values{"name": {"htmx"}, "ttl_days": {"1"}}, "HX-Request", "true", "X-CSRF-Token", own); resp.StatusCode != http.StatusOK {
		t.Errorf("own token in the htmx header: %d, want 200", resp.StatusCode)
	}
	// Signing in changes the token: the login page's token does not follow
	// the user into the session.
	if own == preToken || own == attackerToken {
		t.Error("two sessions share a CSRF token")
	}
}

func TestCrossSiteUnsafeRequestsAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	c := browser()
	signIn(t, f, c, "dev1@example.com")
	token := pageCSRF(t, c, f.url+"/tokens")
	host := mustURL(f.url).Host

	for _, tc := range []struct {
		name   string
		header []string
		want   int
	}{
		{"cross-site Origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"null Origin", []string{"Origin", "null"}, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://sub." + host}, http.StatusForbidden},
		{"same Origin", []string{"Origin", f.url}, http.StatusOK},
		{"Sec-Fetch-Site same-origin", []string{"Sec-Fetch-Site", "same-origin", "Origin", f.url}, http.StatusOK},
		{"Sec-Fetch-Site none", []string{"Sec-Fetch-Site", "none"}, http.StatusOK},
		{"no Origin (not a browser)", nil, http.StatusOK},
	} {
		form := url.Values{"name": {"t"}, "ttl_days": {"1"}, "csrf_token": {token}}
		if resp, _ := postForm(t, c, f.url+"/tokens", form, tc.header...); resp.StatusCode != tc.want {
			t.Errorf("%s with a valid token: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}

	// The login form too: a cross-site page cannot sign a visitor in.
	anon := browser()
	pre := pageCSRF(t, anon, f.url+"/login")
	form := url.Values{"email": {"dev1@example.com"}, "csrf_token": {pre}}
	if resp, _ := postForm(t, anon, f.url+"/login", form, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", resp.StatusCode)
	}
	if resp, _ := postForm(t, anon, f.url+"/login", form, "Origin", f.url); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin login: %d, want 303", resp.StatusCode)
	}
}

func TestSignedInLoginRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	c := browser()
	signIn(t, f, c, "dev1@example.com")
	for _, next := range []string{"/%09/evil.example/phish", "//evil.example", "/%5Cevil.example", "https://evil.example"} {
		resp, _ := getDoc(t, c, f.url+"/login?next="+next)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("/login?next=%s: %d to %q, want 303 to /", next, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ := getDoc(t, c, f.url+"/login?next=%2Fruns%3Fstatus%3DFAILURE")
	if resp.Header.Get("Location") != "/runs?status=FAILURE" {
		t.Errorf("a same-site next: %q", resp.Header.Get("Location"))
	}
}
