package frontend

import (
	"net/http"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
)

// The secrets page is the admins' alone: anyone else is told it does not
// exist, as the navigation does not show it to them.

func (s *Server) secretsPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	shell.Title, shell.Active = "Secrets", "secrets"
	rows, err := s.secretRows(r)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.SecretsPage(shell, rows))
}

// setSecret answers the htmx form with the refreshed form and table; the
// value is never sent back.
func (s *Server) setSecret(w http.ResponseWriter, r *http.Request, _ views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	secret, err := s.Secrets.Set(r.Context(), currentUser(r.Context()), r.PostFormValue("name"), r.PostFormValue("value"))
	if err != nil {
		return s.secretTable(w, r, "", err)
	}
	return s.secretTable(w, r, "Secret "+secret.Name+" set.", nil)
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request, _ views.Shell) error {
	if err := requireAdminPage(r); err != nil {
		return err
	}
	name := r.PathValue("name")
	err := s.Secrets.Delete(r.Context(), currentUser(r.Context()), name)
	switch slipway.ErrorCode(err) {
	case "":
		return s.secretTable(w, r, "Secret "+name+" deleted.", nil)
	case slipway.CodeInvalid, slipway.CodePrecondition:
		return s.secretTable(w, r, "", err) // says which actions use it
	}
	return err
}

func (s *Server) secretTable(w http.ResponseWriter, r *http.Request, notice string, userErr error) error {
	rows, err := s.secretRows(r)
	if err != nil {
		return err
	}
	msg, err := shownInTable(userErr)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, views.SecretTable(rows, notice, msg))
}

func (s *Server) secretRows(r *http.Request) ([]views.SecretRow, error) {
	list, err := s.Secrets.List(r.Context(), currentUser(r.Context()))
	if err != nil {
		return nil, err
	}
	rows := make([]views.SecretRow, len(list))
	for i, sec := range list {
		rows[i] = views.SecretRow{Name: sec.Name, UpdatedBy: sec.UpdatedBy, Updated: sec.UpdatedAt, KeyID: sec.KeyID}
	}
	return rows, nil
}

// requireAdminPage answers not found to anyone but an admin.
func requireAdminPage(r *http.Request) error {
	if !currentUser(r.Context()).IsAdmin() {
		return slipway.Errorf(slipway.CodeNotFound, "page not found")
	}
	return nil
}
