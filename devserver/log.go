//go:build !slipway_lean

package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogAdapter lets the Temporal server log through Slipway's slog logger.
type slogAdapter struct{ l *slog.Logger }

var _ log.Logger = slogAdapter{}

func (a slogAdapter) log(level slog.Level, msg string, tags []tag.Tag) {
	if level >= slog.LevelWarn && callerCancelled(tags) {
		// A client that hangs up (a worker stopping its long polls) is not a
		// server problem; keep it out of the operator's error log.
		level = slog.LevelDebug
	}
	if !a.l.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	a.l.LogAttrs(context.Background(), level, msg, attrs...)
}

func callerCancelled(tags []tag.Tag) bool {
	for _, t := range tags {
		// Error tags render to text, and cancellation crosses gRPC as text anyway.
		if t.Key() == "error" && strings.Contains(fmt.Sprint(t.Value()), "context canceled") {
			return true
		}
	}
	return false
}

func (a slogAdapter) Debug(msg string, tags ...tag.Tag)  { a.log(slog.LevelDebug, msg, tags) }
func (a slogAdapter) Info(msg string, tags ...tag.Tag)   { a.log(slog.LevelInfo, msg, tags) }
func (a slogAdapter) Warn(msg string, tags ...tag.Tag)   { a.log(slog.LevelWarn, msg, tags) }
func (a slogAdapter) Error(msg string, tags ...tag.Tag)  { a.log(slog.LevelError, msg, tags) }
func (a slogAdapter) DPanic(msg string, tags ...tag.Tag) { a.log(slog.LevelError, msg, tags) }
func (a slogAdapter) Panic(msg string, tags ...tag.Tag) {
	a.log(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal panics with a fatalError instead of exiting the process, as the
// server's own logger would: the server calls it when it cannot bind a
// port, and Start recovers it and tries fresh ports.
func (a slogAdapter) Fatal(msg string, tags ...tag.Tag) {
	a.log(slog.LevelError, msg, tags)
	panic(newFatalError(msg, tags))
}

// fatalError is a Fatal log call: its message and tags as text.
type fatalError struct{ text string }

func (e fatalError) Error() string { return e.text }

func newFatalError(msg string, tags []tag.Tag) fatalError {
	var b strings.Builder
	b.WriteString(msg)
	for _, t := range tags {
		fmt.Fprintf(&b, " %s=%v", t.Key(), t.Value())
	}
	return fatalError{b.String()}
}

func (a slogAdapter) With(tags ...tag.Tag) log.Logger {
	args := make([]any, 0, len(tags))
	for _, t := range tags {
		args = append(args, slog.Any(t.Key(), t.Value()))
	}
	return slogAdapter{a.l.With(args...)}
}
