package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Run statuses a job ends with (Port's).
const (
	statusSuccess = "SUCCESS"
	statusFailure = "FAILURE"
)

// work is what one action does. It reports progress with j.step and
// returns the run's final label and links; an error fails the run with the
// error's text as its label, so errors name what was wrong.
type work func(ctx context.Context, j *job) (outcome, error)

type outcome struct {
	label string
	links []string
}

// job is one run being worked on.
type job struct {
	p   *payload
	api *slipwayAPI
	log *slog.Logger
	// pace is the pause after each step (Options.Pace).
	pace time.Duration
}

func (b *Backend) run(ctx context.Context, action string, w work, p *payload) {
	j := &job{
		p:    p,
		api:  &slipwayAPI{base: b.slipwayURL, runID: p.Run.ID, token: p.Run.Token, http: b.http, retryWait: b.retryWait},
		log:  b.logger.With("action", action, "run", p.Run.ID),
		pace: b.pace,
	}
	j.log.Info("demo job started")
	out, err := w(ctx, j)
	status, label := statusSuccess, out.label
	if err != nil {
		status, label, out.links = statusFailure, err.Error(), nil
		j.log.Warn("demo job failed", "err", err)
	}
	if err := j.api.finish(ctx, status, label, out.links); err != nil {
		// Nobody else can end the run: its timeout will.
		j.log.Error("demo job could not report its end", "status", status, "err", err)
		return
	}
	j.log.Info("demo job ended", "status", status, "label", label)
}

// step reports progress as a line of the run's log. A line that cannot
// be reported is logged here and the work goes on: the final status is what
// matters, and it is reported (with retries) whatever happened to the log.
func (j *job) step(ctx context.Context, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if err := j.api.log(ctx, msg); err != nil {
		j.log.Warn("log line not reported", "line", msg, "err", err)
	}
	if j.pace > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(j.pace):
		}
	}
}
