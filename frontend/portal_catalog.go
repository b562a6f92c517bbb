package frontend

import (
	"net/http"

	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend/views"
)

func (s *Server) catalogPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title, shell.Active = "Catalog", "catalog"
	bps, err := s.Catalog.ListBlueprints(r.Context())
	if err != nil {
		return err
	}
	rows := make([]views.BlueprintRow, 0, len(bps))
	for _, b := range bps {
		rows = append(rows, blueprintRow(b))
	}
	return render(w, r, http.StatusOK, views.CatalogPage(shell, rows))
}

func (s *Server) entitiesPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	b, err := s.Catalog.GetBlueprint(r.Context(), r.PathValue("blueprint"))
	if err != nil {
		return err
	}
	shell.Title, shell.Active = str(b.Title, b.Identifier), "catalog"
	q := r.URL.Query()
	es, next, err := s.Catalog.ListEntities(r.Context(), catalog.Filter{Blueprint: b.Identifier, Search: q.Get("q"), After: q.Get("after"), PageSize: 50})
	if err != nil {
		return err
	}
	rows := make([]views.EntityRow, 0, len(es))
	for _, e := range es {
		rows = append(rows, views.EntityRow{Identifier: e.Identifier, Title: e.Title, Team: e.Team, Updated: e.UpdatedAt.UTC().Format("2006-01-02 15:04")})
	}
	return render(w, r, http.StatusOK, views.EntitiesPage(shell, blueprintRow(b), q.Get("q"), rows, next))
}

func blueprintRow(b catalog.Blueprint) views.BlueprintRow {
	return views.BlueprintRow{Identifier: b.Identifier, Title: str(b.Title, b.Identifier), Description: b.Description}
}
