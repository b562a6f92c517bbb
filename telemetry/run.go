package telemetry

import (
	"context"
	"log/slog"
)

// Run is what logs and metrics say about the run a piece of work serves.
type Run struct {
	ID     string
	Action string
}

// Attrs are the run's log attributes: run and action.
func (r Run) Attrs() []any { return []any{"run", r.ID, "action", r.Action} }

type runKey struct{}

// WithRun marks ctx as serving run r (the worker's interceptor does it
// for every activity of a run).
func WithRun(ctx context.Context, r Run) context.Context {
	return context.WithValue(ctx, runKey{}, r)
}

// RunFrom is the run ctx serves; ok is false outside a run.
func RunFrom(ctx context.Context) (Run, bool) {
	r, ok := ctx.Value(runKey{}).(Run)
	return r, ok
}

// LogHandler adds the run and action of the context to every record
// logged with one (slog.InfoContext and friends), so that a line an
// activity logs can be found by run.
func LogHandler(h slog.Handler) slog.Handler { return runHandler{h} }

type runHandler struct{ slog.Handler }

func (h runHandler) Handle(ctx context.Context, rec slog.Record) error {
	if r, ok := RunFrom(ctx); ok {
		rec = rec.Clone()
		rec.Add(r.Attrs()...)
	}
	return h.Handler.Handle(ctx, rec)
}

func (h runHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return runHandler{h.Handler.WithAttrs(attrs)}
}

func (h runHandler) WithGroup(name string) slog.Handler { return runHandler{h.Handler.WithGroup(name)} }
