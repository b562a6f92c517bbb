package frontend

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// CSRF protection is a double-submit token: a random value in an HttpOnly,
// SameSite=Strict cookie that every form (hidden field) and every htmx
// request (X-CSRF-Token header) must echo. It covers the login form too,
// where no session exists yet.
const (
	csrfCookie = "slipway_csrf"
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// csrfToken returns the request's CSRF token, issuing a cookie when it has none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
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

// csrfValid checks an unsafe request's echoed token against its cookie.
func csrfValid(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	sent := r.Header.Get(csrfHeader)
	if sent == "" {
		sent = r.PostFormValue(csrfField)
	}
	return subtle.ConstantTimeCompare([]byte(sent), []byte(c.Value)) == 1
}
