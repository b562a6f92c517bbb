package frontend

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/frontend/views"
)

// auditPage is the admin page of the audit log; others get permission denied.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title, shell.Active = "Audit log", "audit"
	q := r.URL.Query()
	filter := views.AuditFilter{ResourceType: q.Get("resource_type"), ResourceID: q.Get("resource_id"), Actor: q.Get("actor"), RunID: q.Get("run_id")}
	events, next, err := s.Audit.List(r.Context(), currentUser(r.Context()), audit.Filter{
		ResourceType: filter.ResourceType, ResourceID: filter.ResourceID, Actor: filter.Actor, RunID: filter.RunID,
		PageSize: 100, PageToken: q.Get("page_token"),
	})
	if err != nil {
		return err
	}
	rows := make([]views.AuditRow, len(events))
	for i, e := range events {
		rows[i] = views.AuditRow{At: e.At, Actor: e.Actor, Verb: e.Verb, ResourceType: e.ResourceType, ResourceID: e.ResourceID,
			RunID: e.RunID, Origin: e.Origin, Before: indentJSON(e.Before), After: indentJSON(e.After)}
	}
	return render(w, r, http.StatusOK, views.AuditPage(shell, filter, rows, next))
}

func indentJSON(v any) string {
	raw, ok := v.(json.RawMessage)
	if !ok || len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
