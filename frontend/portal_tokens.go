package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/identity"
)

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title = "API tokens"
	rows, err := s.tokenRows(r)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.TokensPage(shell, rows))
}

// createToken answers the htmx form with the refreshed table, showing the
// new secret once; validation errors come back inside the table.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	user := currentUser(r.Context())
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("ttl_days")))
	if err != nil || days < 0 || days > 3650 {
		return s.tokenTable(w, r, nil, slipway.FieldError("ttl_days", "must be a whole number of days between 0 and 3650"))
	}
	tok, secret, err := s.Identity.CreateToken(r.Context(), user.ID, r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		return s.tokenTable(w, r, nil, err)
	}
	return s.tokenTable(w, r, &views.NewToken{Name: tok.Name, Secret: secret}, nil)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return slipway.FieldError("id", "is not a token id")
	}
	user := currentUser(r.Context())
	// Through the portal a user revokes only their own tokens, admins included.
	member := user
	member.Role = slipway.RoleMember
	if err := s.Identity.RevokeToken(r.Context(), &member, id); err != nil {
		return err
	}
	return s.tokenTable(w, r, nil, nil)
}

func (s *Server) tokenTable(w http.ResponseWriter, r *http.Request, created *views.NewToken, userErr error) error {
	rows, err := s.tokenRows(r)
	if err != nil {
		return err
	}
	msg, err := shownInTable(userErr)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.TokenTable(rows, created, msg))
}

// shownInTable is the message a form's fragment shows for userErr: errors
// are shown inside the table with a 200, as htmx swaps only successful
// responses by default. Internal errors go to the error page instead.
func shownInTable(userErr error) (string, error) {
	if userErr == nil {
		return "", nil
	}
	if slipway.ErrorCode(userErr) == slipway.CodeInternal {
		return "", userErr
	}
	return slipway.ErrorMessage(userErr), nil
}

func (s *Server) tokenRows(r *http.Request) ([]views.TokenRow, error) {
	toks, err := s.Identity.Tokens(r.Context(), currentUser(r.Context()).ID)
	if err != nil {
		return nil, err
	}
	rows := make([]views.TokenRow, 0, len(toks))
	for _, t := range toks {
		rows = append(rows, tokenRow(t))
	}
	return rows, nil
}

func tokenRow(t identity.Token) views.TokenRow {
	return views.TokenRow{ID: t.ID.String(), Name: t.Name, Prefix: t.Prefix, Created: t.CreatedAt,
		LastUsed: t.LastUsedAt, Expires: t.ExpiresAt, Revoked: t.RevokedAt != nil}
}
