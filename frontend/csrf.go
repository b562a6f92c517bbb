package frontend

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// CSRF protection has two layers, both checked on every unsafe portal
// request (csrfValid):
//
//   - Where the request comes from: browsers say so in Sec-Fetch-Site (or,
//     older ones, Origin); anything cross-site or same-site-but-another-origin
//     is refused (net/http's CrossOriginProtection).
//   - A token every form (hidden field) and every htmx request (X-CSRF-Token
//     header) must echo. Once signed in, the token is derived from the session
//     secret, so it is bound to that session: a token from another session, or
//     one matched to a cookie an attacker planted, does not pass. Before
//     sign-in (the login form) there is no session, so the token is a random
//     double-submit value kept in its own HttpOnly, SameSite=Strict cookie.
const (
	csrfCookie = "slipway_csrf"
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// crossOrigin refuses unsafe browser requests that did not come from a page
// of this origin; requests with neither header (non-browser clients) pass
// on to the token check.
var crossOrigin = http.NewCrossOriginProtection()

// csrfToken returns the token this request's pages must echo, issuing the
// pre-session cookie when a visitor without a session has none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if token, ok := expectedCSRFToken(r); ok {
		return token
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: token, Path: "/",
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	// Later code in this request (the page render) must see the same token.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: token})
	return token
}

// expectedCSRFToken is the token an unsafe request must carry: the session's
// when it has a session cookie, else its pre-session cookie's value.
func expectedCSRFToken(r *http.Request) (string, bool) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return sessionCSRFToken(c.Value), true
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value, true
	}
	return "", false
}

// sessionCSRFToken derives a session's token from its secret. The secret is
// random, HttpOnly and never shown, so the token cannot be guessed; the HMAC
// keeps the secret from being recovered from the token, which pages show.
// Deriving it needs no server key and no storage, so it holds across
// restarts and replicas for as long as the session does.
func sessionCSRFToken(sessionSecret string) string {
	mac := hmac.New(sha256.New, []byte(sessionSecret))
	mac.Write([]byte("slipway portal csrf v1"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfValid checks an unsafe request's origin and its echoed token.
func csrfValid(r *http.Request) bool {
	if crossOrigin.Check(r) != nil {
		return false
	}
	want, ok := expectedCSRFToken(r)
	if !ok {
		return false
	}
	sent := r.Header.Get(csrfHeader)
	if sent == "" {
		sent = r.PostFormValue(csrfField)
	}
	return subtle.ConstantTimeCompare([]byte(sent), []byte(want)) == 1
}
