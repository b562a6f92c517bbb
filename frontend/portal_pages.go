package frontend

import (
	"net/http"

	"github.com/slipwayhq/slipway/frontend/views"
)

// sectionDef is a top-level portal section. Later features fill them; until
// then each says plainly that nothing exists yet.
type sectionDef struct {
	key, path, title, empty string
	// servedBySelfService sections have real pages when runs are wired in.
	servedBySelfService bool
}

var sections = []sectionDef{
	{"self-service", "/self-service", "Self-service", "No actions are published yet. Platform admins define them through the ActionService API.", true},
	{"runs", "/runs", "Runs", "No runs yet.", true},
	{"approvals", "/approvals", "Approvals", "Nothing waits for your approval.", true},
	{"catalog", "/catalog", "Catalog", "The software catalog is empty.", false},
	{"audit", "/audit", "Audit", "No audit events yet.", false},
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title = "Home"
	return render(w, r, http.StatusOK, views.HomePage(shell))
}

func (s *Server) section(d sectionDef) page {
	return func(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
		shell.Title, shell.Active = d.title, d.key
		return render(w, r, http.StatusOK, views.SectionPage(shell, d.title, d.empty))
	}
}
