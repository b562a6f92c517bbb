package frontend

import (
	"context"
	"net/http"
	"net/url"

	"github.com/a-h/templ"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/frontend/views"
)

const sessionCookie = "slipway_session"

// page is a portal handler: it gets the request's shell (user, CSRF token)
// and returns an error to show, or nil once it has written the response.
type page func(w http.ResponseWriter, r *http.Request, shell views.Shell) error

// portal wraps a page with CSRF checks, session lookup and error rendering.
// needUser sends anonymous visitors to the login page.
func (s *Server) portal(p page, needUser bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		shell := views.Shell{CSRF: s.csrfToken(w, r)}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !csrfValid(r) {
			s.renderError(w, r, shell, slipway.Errorf(slipway.CodePermission, "the form has expired or did not come from this site; reload the page and try again"))
			return
		}
		user, ok := s.sessionUser(r)
		if ok {
			shell.User = shellUser(user)
			shell.TemporalUIURL = s.temporalUIFor(user)
			r = r.WithContext(slipway.WithUser(r.Context(), user))
			if r.Header.Get("HX-Request") == "" { // fragments have no header to show it in
				shell.Unread = s.unread(r)
			}
		} else if needUser {
			s.redirectToLogin(w, r)
			return
		}
		if err := checkPortalRequest(r); err != nil {
			s.renderError(w, r, shell, err)
			return
		}
		// Changes made through the portal are audited as coming from the UI.
		r = r.WithContext(audit.WithOrigin(r.Context(), audit.OriginUI))
		if err := p(w, r, shell); err != nil {
			s.renderError(w, r, shell, err)
		}
	})
}

func (s *Server) sessionUser(r *http.Request) (slipway.User, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return slipway.User{}, false
	}
	u, err := s.Identity.SessionUser(r.Context(), c.Value)
	if err != nil {
		if slipway.ErrorCode(err) != slipway.CodeUnauthenticated {
			s.Logger.Error("session lookup failed", "err", err)
		}
		return slipway.User{}, false
	}
	return u, true
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		// htmx would swap the login page into a fragment; make it navigate.
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// render writes a full page, or only the fragment for htmx requests.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	return c.Render(r.Context(), w)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, shell views.Shell, err error) {
	status := httpStatus(slipway.ErrorCode(err))
	if status == http.StatusInternalServerError {
		s.Logger.Error("portal request failed", "path", r.URL.Path, "err", err)
	}
	msg := slipway.ErrorMessage(err)
	shell.Title = errorTitle(status)
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("HX-Reswap", "none")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(templ.EscapeString(msg)))
		return
	}
	_ = render(w, r, status, views.ErrorPage(shell, status, msg))
}

// errorTitle names an error page in the browser's tab.
func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Not found"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusBadRequest:
		return "Cannot do that"
	}
	return "Error"
}

// notFoundPage answers a path no route serves with the portal's 404 page.
func (s *Server) notFoundPage(http.ResponseWriter, *http.Request, views.Shell) error {
	return slipway.Errorf(slipway.CodeNotFound, "There is no page at this address.")
}

func shellUser(u slipway.User) *views.ShellUser {
	su := &views.ShellUser{Name: u.Name, Email: u.Email, Admin: u.IsAdmin()}
	for _, t := range u.Teams {
		su.Teams = append(su.Teams, t.Name)
	}
	return su
}

func currentUser(ctx context.Context) slipway.User {
	u, _ := slipway.UserFrom(ctx)
	return u
}
