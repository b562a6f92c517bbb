package frontend

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Pinger is anything the readiness probe can check.
type Pinger interface {
	Ping(ctx context.Context) error
}

// live answers as long as the process serves HTTP: restart me only if this fails.
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// ready checks the dependencies: take me out of the load balancer if this fails.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	status := http.StatusOK
	check := func(name string, err error) {
		if err != nil {
			s.Logger.Warn("readiness check failed", "check", name, "err", err)
			checks[name] = "unavailable"
			status = http.StatusServiceUnavailable
			return
		}
		checks[name] = "ok"
	}
	check("postgres", s.Store.Pool.Ping(ctx))
	if s.Temporal != nil {
		check("temporal", s.Temporal.Ping(ctx))
	}
	state := "ok"
	if status != http.StatusOK {
		state = "unavailable"
	}
	writeJSON(w, status, map[string]any{"status": state, "checks": checks})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
