package frontend

import (
	"net/http"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title = "Sign in"
	if shell.User != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	shell.User = nil
	return s.renderLogin(w, r, shell, http.StatusOK, r.URL.Query().Get("next"), "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, shell views.Shell, status int, next, errMsg string) error {
	if !s.DevLogin && s.sso == nil {
		return render(w, r, http.StatusOK, views.LoginDisabledPage(shell))
	}
	l := views.Login{Dev: s.DevLogin, Next: safeNext(next), Error: errMsg}
	if s.sso != nil {
		l.SSOURL = ssoLoginURL(l.Next)
	}
	if s.DevLogin {
		users, err := s.Identity.Users(r.Context())
		if err != nil {
			return err
		}
		for _, u := range users {
			l.Choices = append(l.Choices, views.LoginChoice{Email: u.Email, Name: u.Name, Role: string(u.Role)})
		}
	}
	return render(w, r, status, views.LoginPage(shell, l))
}

// login signs in a user chosen on the dev login page. The email must belong
// to an existing user: nobody unknown gets a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title = "Sign in"
	if !s.DevLogin {
		return slipway.Errorf(slipway.CodePermission, "dev login is disabled on this server")
	}
	next := r.PostFormValue("next")
	user, err := s.Identity.UserByEmail(r.Context(), r.PostFormValue("email"))
	if slipway.ErrorCode(err) == slipway.CodeNotFound || r.PostFormValue("email") == "" {
		shell.User = nil
		return s.renderLogin(w, r, shell, http.StatusUnauthorized, next, "Unknown user.")
	}
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, user); err != nil {
		return err
	}
	s.Logger.Info("portal login", "user", user.Email)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	return nil
}

// startSession signs user in to the portal: every sign-in method ends here,
// so sessions are alike whichever way people came in.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, user slipway.User) error {
	secret, err := s.Identity.CreateSession(r.Context(), user.ID, s.SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/",
		Expires:  time.Now().Add(s.SessionTTL),
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Identity.EndSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
