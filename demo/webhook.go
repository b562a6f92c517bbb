package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

const maxBody = 1 << 20

// hook receives one call of an action: it checks the signature and the
// payload, answers 202 at once and leaves the work to a background job,
// which reports to Slipway with the run's token.
func (b *Backend) hook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("action")
	work, ok := b.works[name]
	if !ok {
		known := make([]string, 0, len(b.works))
		for k := range b.works {
			known = append(known, k)
		}
		slices.Sort(known)
		writeJSON(w, http.StatusNotFound, fmt.Sprintf("no demo action %q; the demo backend serves %s", name, strings.Join(known, ", ")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, "body: must be at most 1 MiB")
		return
	}
	if err := verifySignature(b.secret, r.Header, body, b.now()); err != nil {
		b.logger.Warn("demo webhook refused", "action", name, "remote", r.RemoteAddr, "err", err)
		writeJSON(w, http.StatusUnauthorized, err.Error())
		return
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		writeJSON(w, http.StatusBadRequest, "body: must be Slipway's run payload (a JSON object with inputs, entity, trigger, action and run)")
		return
	}
	switch {
	case p.Run.ID == "":
		writeJSON(w, http.StatusBadRequest, "run.id: is required")
		return
	case p.Run.Token == "":
		writeJSON(w, http.StatusBadRequest, "run.token: is required")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if !b.seen.first(key) {
		writeJSON(w, http.StatusAccepted, "") // a retry of a call already being worked on
		return
	}
	if !b.startJob(func(ctx context.Context) { b.run(ctx, name, work, &p) }) {
		b.seen.forget(key)
		writeJSON(w, http.StatusServiceUnavailable, "the demo backend is shutting down; Slipway retries")
		return
	}
	writeJSON(w, http.StatusAccepted, "")
}

// writeJSON answers {"ok": true} or, with a message, {"ok": false, "message"}.
func writeJSON(w http.ResponseWriter, status int, message string) {
	body := map[string]any{"ok": status < 300}
	if message != "" {
		body["message"] = message
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
