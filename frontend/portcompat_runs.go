package frontend

import (
	"net/http"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

// Port's runs API for people and scripts: execute an action and decide on a
// run, in Port's REST shape, with the same bearer tokens as the Connect API.

type portExecute struct {
	Properties map[string]any `json:"properties"`
	Entity     string         `json:"entity"`
}

type portApproval struct {
	Status      string `json:"status"`
	Description string `json:"description"`
}

// portExecuteRun is POST /v1/actions/{action}/runs.
func (s *Server) portExecuteRun(w http.ResponseWriter, r *http.Request) {
	r, u, ok := s.portUser(w, r)
	if !ok {
		return
	}
	// Port answers an unknown action with 404, where Execute names the
	// request's field as invalid.
	if _, err := s.SelfService.GetAction(r.Context(), r.PathValue("action")); err != nil {
		s.portError(w, r, err)
		return
	}
	var body portExecute
	if err := decodePortJSON(w, r, &body); err != nil {
		s.portError(w, r, err)
		return
	}
	// The key comes in the header only: Port's body has no such field, and
	// a body field of our own could clash with one Port adds.
	key, err := idempotencyKey(r.Header.Get(idempotencyKeyHeader), "", "")
	if err != nil {
		s.portError(w, r, err)
		return
	}
	run, err := s.SelfService.ExecuteWithKey(r.Context(), u, r.PathValue("action"), body.Entity, body.Properties, runs.OriginAPI, key)
	if err != nil {
		s.portError(w, r, err)
		return
	}
	if run.Replayed {
		w.Header().Set(idempotentReplayedHeader, "true")
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"ok": true, "run": portRun(run)})
}

// portDecideRun is PATCH /v1/actions/runs/{id}/approval.
func (s *Server) portDecideRun(w http.ResponseWriter, r *http.Request) {
	r, u, ok := s.portUser(w, r)
	if !ok {
		return
	}
	var body portApproval
	if err := decodePortJSON(w, r, &body); err != nil {
		s.portError(w, r, err)
		return
	}
	status := strings.ToUpper(body.Status)
	if status != "APPROVE" && status != "DECLINE" {
		s.portError(w, r, slipway.FieldError("status", "must be APPROVE or DECLINE"))
		return
	}
	id := r.PathValue("id")
	current, err := s.SelfService.View(r.Context(), u, id)
	if err != nil {
		s.portError(w, r, err)
		return
	}
	if current.Status != runs.StatusWaitingForApproval {
		// Port's own error name, which Port clients check for.
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"ok": false, "error": "run_not_waiting_for_approval",
			"message": "the run is " + current.Status + ", not waiting for approval"})
		return
	}
	run, err := s.SelfService.Decide(r.Context(), u, id, status == "APPROVE", body.Description)
	if err != nil {
		s.portError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "run": portRun(run)})
}

// portUser authenticates a person's token (run tokens only report) and
// returns the request carrying them.
func (s *Server) portUser(w http.ResponseWriter, r *http.Request) (*http.Request, slipway.User, bool) {
	ctx, err := s.authenticate(r.Context(), r.Header.Get("Authorization"))
	if err == nil {
		var u slipway.User
		if u, err = requireUser(ctx); err == nil {
			return r.WithContext(ctx), u, true
		}
	}
	s.portError(w, r, err)
	return r, slipway.User{}, false
}

// portRun is a run in Port's JSON shape.
func portRun(run selfservice.Run) map[string]any {
	return map[string]any{
		"id": run.ID, "status": run.Status, "statusLabel": run.StatusLabel, "link": run.Links, "summary": run.Summary,
		"action": map[string]any{"identifier": run.Action}, "blueprint": map[string]any{"identifier": run.Blueprint},
		"entity": map[string]any{"identifier": run.Entity}, "properties": run.Inputs, "source": run.Origin,
		"createdAt": run.CreatedAt, "updatedAt": run.UpdatedAt, "endedAt": run.EndedAt,
	}
}
