package frontend

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
)

// Port's runs API for backends, so a backend written for Port only changes
// its base URL: PATCH /v1/actions/runs/{id} and POST /v1/actions/runs/{id}/logs.
// Bearer auth as on the Connect API (an API token or the run's token).

type portRunPatch struct {
	Status        string          `json:"status"`
	StatusLabel   *string         `json:"statusLabel"`
	Link          json.RawMessage `json:"link"`
	Summary       *string         `json:"summary"`
	ExternalRunID *string         `json:"externalRunId"`
}

type portRunLog struct {
	Message           string `json:"message"`
	TerminationStatus string `json:"terminationStatus"`
	StatusLabel       string `json:"statusLabel"`
	// IdempotencyKey makes a retried line single; the Idempotency-Key
	// header says the same (Slipway's additions to Port's shape).
	IdempotencyKey string `json:"idempotencyKey"`
}

func (s *Server) portPatchRun(w http.ResponseWriter, r *http.Request) {
	ctx, err := s.authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		s.portError(w, r, err)
		return
	}
	var body portRunPatch
	if err := decodePortJSON(w, r, &body); err != nil {
		s.portError(w, r, err)
		return
	}
	req := runs.ReportRequest{Status: runs.Status(body.Status), StatusLabel: body.StatusLabel, Summary: body.Summary, ExternalRunID: body.ExternalRunID}
	if len(body.Link) > 0 {
		var v any
		_ = json.Unmarshal(body.Link, &v)
		links, err := linksFromAny(v)
		if err != nil {
			s.portError(w, r, err)
			return
		}
		req.Links = &links
	}
	run, err := s.SelfService.Report(ctx, reporter(ctx), r.PathValue("id"), req)
	if err != nil {
		s.portError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "run": map[string]any{
		"id": run.ID, "status": run.Status, "statusLabel": run.StatusLabel, "link": run.Links, "summary": run.Summary,
	}})
}

func (s *Server) portAddRunLog(w http.ResponseWriter, r *http.Request) {
	ctx, err := s.authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		s.portError(w, r, err)
		return
	}
	var body portRunLog
	if err := decodePortJSON(w, r, &body); err != nil {
		s.portError(w, r, err)
		return
	}
	if body.Message == "" {
		s.portError(w, r, slipway.FieldError("message", "is required"))
		return
	}
	key, err := idempotencyKey(r.Header.Get(idempotencyKeyHeader), "idempotencyKey", body.IdempotencyKey)
	if err != nil {
		s.portError(w, r, err)
		return
	}
	seq, err := s.SelfService.AddLog(ctx, reporter(ctx), r.PathValue("id"), runs.LogRequest{
		Message: body.Message, TerminationStatus: runs.Status(body.TerminationStatus), StatusLabel: body.StatusLabel, IdempotencyKey: key,
	})
	if err != nil {
		s.portError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"ok": true, "seq": seq})
}

func decodePortJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return slipway.FieldError("body", "must be at most 1 MiB")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return slipway.FieldError("body", "is required")
	}
	if err := checkPortBody(r, body); err != nil {
		return err
	}
	if err != nil || json.NewDecoder(bytes.NewReader(body)).Decode(dst) != nil {
		return slipway.FieldError("body", "must be a JSON object with Port's run fields")
	}
	return nil
}

func (s *Server) portError(w http.ResponseWriter, r *http.Request, err error) {
	code := slipway.ErrorCode(err)
	if code == slipway.CodeInternal {
		s.Logger.Error("port-compatible run API failed", "path", r.URL.Path, "err", err)
	}
	writeJSON(w, httpStatus(code), map[string]any{"ok": false, "error": connectCode(code).String(), "message": slipway.ErrorMessage(err)})
}

func linksFromAny(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case nil:
		return []string{}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, slipway.FieldError("link", "must be a URL or a list of URLs")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, slipway.FieldError("link", "must be a URL or a list of URLs")
}
