package frontend

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/identity"
)

// Single sign-on is OpenID Connect's authorization code flow with state,
// nonce and PKCE. The paths match config.OIDCCallbackPath, from which the
// registered redirect URL is derived.
const (
	ssoLoginPath    = "/auth/oidc/login"
	ssoCallbackPath = "/auth/oidc/callback"
	// ssoCookie carries the flow in progress; its path keeps it off every
	// other request.
	ssoCookie     = "slipway_oidc"
	ssoCookiePath = "/auth/oidc/"
	// ssoFlowTTL is how long someone may spend at the provider.
	ssoFlowTTL = 10 * time.Minute
)

func ssoLoginURL(next string) string { return ssoLoginPath + "?next=" + url.QueryEscape(next) }

// ssoFlow is one sign-in in progress, kept in an HttpOnly cookie while the
// browser is at the provider. It needs no signature: the state must come
// back from the provider equal to the cookie's, so a cookie or a callback
// from anyone else's flow only gets a refusal, and the verifier and nonce
// never leave this browser and this server in the clear.
type ssoFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
}

func (f ssoFlow) encode() string {
	b, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(b)
}

func readSSOFlow(r *http.Request) (ssoFlow, bool) {
	var f ssoFlow
	c, err := r.Cookie(ssoCookie)
	if err != nil {
		return f, false
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || json.Unmarshal(b, &f) != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return ssoFlow{}, false
	}
	f.Next = safeNext(f.Next)
	return f, true
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// ssoLogin sends the browser to the provider.
func (s *Server) ssoLogin(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title = "Sign in"
	next := safeNext(r.URL.Query().Get("next"))
	if len(next) > 1024 {
		next = "/" // keeps the flow cookie well under browsers' size limit
	}
	oauth, _, err := s.sso.provider(r.Context())
	if err != nil {
		return s.ssoRefused(w, r, shell, next, refuse(refusedUnreachable, fmt.Errorf("discovery: %w", err)))
	}
	f := ssoFlow{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Next: next}
	http.SetCookie(w, &http.Cookie{
		Name: ssoCookie, Value: f.encode(), Path: ssoCookiePath, MaxAge: int(ssoFlowTTL / time.Second),
		// Lax, not Strict: the provider's redirect back is a cross-site navigation.
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
	return nil
}

// ssoCallback finishes the flow: the provider is back with a code, which
// becomes a verified ID token, a user and a session.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title = "Sign in"
	// A flow is good for one attempt, whatever its outcome.
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: ssoCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	f, ok := readSSOFlow(r)
	if !ok {
		return s.ssoRefused(w, r, shell, "/", refuse(refusedExpired, errors.New("no flow cookie")))
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return s.ssoRefused(w, r, shell, f.Next, refuse(refusedExpired, errors.New("state does not match the flow cookie")))
	}
	if e := q.Get("error"); e != "" {
		return s.ssoRefused(w, r, shell, f.Next, refuse(refusedByProvider, fmt.Errorf("provider error %q: %s", e, q.Get("error_description"))))
	}
	if q.Get("code") == "" {
		return s.ssoRefused(w, r, shell, f.Next, refuse(refusedByProvider, errors.New("callback without a code")))
	}
	who, err := s.sso.identify(r.Context(), q.Get("code"), f)
	if err != nil {
		return s.ssoRefused(w, r, shell, f.Next, err)
	}
	user, err := s.Identity.SignInExternal(r.Context(), identity.ExternalLogin{
		Email: who.Email, Name: who.Name, Groups: who.Groups, AdminGroup: s.sso.cfg.AdminGroup,
	})
	if slipway.ErrorCode(err) == slipway.CodeInvalid {
		err = refuse(refusedNoEmail, fmt.Errorf("provider email %q: %w", who.Email, err))
	}
	if err == nil {
		err = s.startSession(w, r, user)
	}
	if err != nil {
		return s.ssoRefused(w, r, shell, f.Next, err)
	}
	teams := make([]string, 0, len(user.Teams))
	for _, t := range user.Teams {
		teams = append(teams, t.Identifier)
	}
	s.Logger.Info("portal login", "user", user.Email, "method", "oidc", "role", user.Role, "teams", teams)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
	return nil
}

// ssoRefusal is what a person is told when single sign-on fails: never the
// internal detail, which goes to the log.
type ssoRefusal struct {
	status  int
	message string
}

var (
	refusedExpired     = ssoRefusal{http.StatusBadRequest, "This sign-in expired or was started in another window. Please sign in again."}
	refusedByProvider  = ssoRefusal{http.StatusUnauthorized, "The sign-in provider did not sign you in. Please try again."}
	refusedUnreachable = ssoRefusal{http.StatusBadGateway, "The sign-in provider cannot be reached right now. Please try again later."}
	refusedToken       = ssoRefusal{http.StatusUnauthorized, "The sign-in provider's answer could not be verified. Please sign in again."}
	refusedNoEmail     = ssoRefusal{http.StatusUnauthorized, "The sign-in provider did not share a usable email address, which Slipway needs to know who you are."}
	refusedUnverified  = ssoRefusal{http.StatusUnauthorized, "Your email address is not verified with the sign-in provider. Verify it there, then sign in again."}
	refusedClaims      = ssoRefusal{http.StatusUnauthorized, "The sign-in provider's answer lacks details Slipway needs. Please ask an administrator."}
	refusedInternal    = ssoRefusal{http.StatusInternalServerError, "Signing in failed. Please try again."}
)

// ssoError is a refused sign-in: the refusal to show and the cause to log.
type ssoError struct {
	ssoRefusal
	err error
}

func (e *ssoError) Error() string { return e.err.Error() }
func (e *ssoError) Unwrap() error { return e.err }

func refuse(why ssoRefusal, err error) error { return &ssoError{why, err} }

// ssoRefused logs why a sign-in failed and shows the login page with the
// refusal. Errors that are not *ssoError are internal.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, shell views.Shell, next string, err error) error {
	var e *ssoError
	if !errors.As(err, &e) {
		e = &ssoError{refusedInternal, err}
	}
	level := slog.LevelWarn
	if e.status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	s.Logger.Log(r.Context(), level, "single sign-on refused", "status", e.status, "err", e.err)
	shell.User = nil
	return s.renderLogin(w, r, shell, e.status, next, e.message)
}
