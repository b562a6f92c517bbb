package frontend

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/text"
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

func (s *Server) entityPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	ctx := r.Context()
	b, err := s.Catalog.GetBlueprint(ctx, r.PathValue("blueprint"))
	if err != nil {
		return err
	}
	e, err := s.Catalog.GetEntity(ctx, b.Identifier, r.PathValue("identifier"))
	if err != nil {
		return err
	}
	shell.Title, shell.Active = str(e.Title, e.Identifier), "catalog"
	v := views.EntityView{Blueprint: b.Identifier, BlueprintTitle: str(b.Title, b.Identifier), Identifier: e.Identifier,
		Title: str(e.Title, e.Identifier), Team: e.Team}
	keys := make([]string, 0, len(e.Properties))
	for k := range e.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Properties = append(v.Properties, views.PropertyView{Key: k, Value: displayValue(e.Properties[k]), Link: isLinkProperty(b.Schema.Properties[k], e.Properties[k])})
		if in, ok := b.Schema.Properties[k]; ok && in["format"] == "timer" {
			if at, err := time.Parse(time.RFC3339, fmt.Sprint(e.Properties[k])); err == nil {
				v.TimeLeft = timeLeft(time.Until(at))
			}
		}
	}
	names := make([]string, 0, len(e.Relations))
	for name := range e.Relations {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		target := b.Relations[name].Target
		for _, id := range relationIDs(e.Relations[name]) {
			v.Relations = append(v.Relations, views.RelationLink{Name: name, Blueprint: target, Identifier: id})
		}
	}
	if s.SelfService != nil {
		offered, err := s.SelfService.ActionsOffered(ctx, b.Identifier, e.Map())
		if err != nil {
			return err
		}
		me := currentUser(ctx)
		for _, d := range offered {
			if selfservice.Published(d) && selfservice.MayOffer(me, d, e.Team) {
				v.Actions = append(v.Actions, actionCard(d))
			}
		}
		runs, _, err := s.SelfService.List(ctx, selfservice.ListFilter{Entity: e.Identifier, EntityBlueprint: b.Identifier, PageSize: 20, Viewer: &me})
		if err != nil {
			return err
		}
		v.Runs = s.runRows(ctx, runs)
	}
	return render(w, r, http.StatusOK, views.EntityPage(shell, v))
}

// isLinkProperty reports a property shown as a link: a string declared
// format "url", or one that is an http(s) URL, and that passes the link
// rule every rendered link passes (text.CheckLink).
func isLinkProperty(in actions.Input, v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	lower := strings.ToLower(s)
	isURL := in["format"] == "url" || strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")
	return isURL && text.CheckLink("property", s) == nil
}

func relationIDs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}
