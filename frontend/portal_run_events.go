package frontend

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/selfservice"
)

// runEventStream is the run page's live part as Server-Sent Events: the
// lines after after_seq (or Last-Event-ID, which a reconnecting browser
// sends) as "lines", the status part as "status" whenever it changes, and
// "end" once the run has ended and every line is sent. Every event's id is
// the last line sent, so a reconnection resumes after it. One stream per
// viewer, woken by the run's events (runevents); the workflow knows
// nothing of viewers.
func (s *Server) runEventStream(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	ctx := r.Context()
	after, err := seqParam(r.URL.Query(), "after_seq")
	if err != nil {
		return err
	}
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		if after, err = strconv.ParseInt(last, 10, 64); err != nil || after < 0 {
			return slipway.FieldError("Last-Event-ID", "must be a log line's sequence number (a whole number, 0 or more)")
		}
	}
	// Subscribed before the first read, so no change after it is missed.
	sub := s.RunEvents.Subscribe(r.PathValue("id"))
	defer sub.Close()
	run, err := s.SelfService.View(ctx, currentUser(ctx), r.PathValue("id"))
	if err != nil {
		return err // before the stream starts: an ordinary error answer
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no") // proxies must not hold events back
	w.WriteHeader(http.StatusOK)
	stream := &eventWriter{w: w, flush: http.NewResponseController(w).Flush}
	stream.raw("retry: 1000") // a dropped stream is retried after a second
	var lastStatus string
	for {
		page, err := s.SelfService.RunLogs(ctx, run, after, selfservice.DefaultLogPage)
		if err != nil {
			return s.streamBroken(r, err)
		}
		if len(page.Lines) > 0 {
			after = page.Lines[len(page.Lines)-1].Seq
			stream.event(ctx, "lines", after, views.LiveLogLines(logPage(page.Lines).Lines))
		}
		status := stream.render(ctx, views.RunLive(s.runView(r, shell, run)))
		if status != lastStatus {
			stream.send("status", after, status)
			lastStatus = status
		}
		ended := run.Status.Ended() && !page.More
		if ended {
			stream.send("end", after, "")
		}
		if !stream.wrote {
			stream.raw(": no news") // keeps proxies from closing an idle stream
		}
		if err := stream.done(); err != nil || ended {
			return nil // the viewer went away, or there is nothing more to say
		}
		news := liveNews{notBefore: time.Now()} // the next page at once
		if !page.More {
			var ok bool
			if news, ok = s.awaitRunNews(ctx, sub, after); !ok {
				return nil
			}
		}
		if run, err = s.rereadRun(ctx, currentUser(ctx), run.ID, news); err != nil {
			return s.streamBroken(r, err)
		}
	}
}

// streamBroken ends a stream whose headers are sent: the error cannot be
// answered any more, so it is logged and the browser reconnects.
func (s *Server) streamBroken(r *http.Request, err error) error {
	if r.Context().Err() == nil {
		s.Logger.Warn("run event stream ended early", "path", r.URL.Path, "err", err)
	}
	return nil
}

// eventWriter writes Server-Sent Events, remembering the first write error.
type eventWriter struct {
	w     io.Writer
	flush func() error
	wrote bool
	err   error
}

func (e *eventWriter) render(ctx context.Context, c templ.Component) string {
	var b bytes.Buffer
	if err := c.Render(ctx, &b); err != nil && e.err == nil {
		e.err = err
	}
	return b.String()
}

func (e *eventWriter) event(ctx context.Context, name string, id int64, c templ.Component) {
	e.send(name, id, e.render(ctx, c))
}

// send writes one event. A carriage return would end an SSE line, so it
// travels as its character reference (the data is HTML).
func (e *eventWriter) send(name string, id int64, data string) {
	var b strings.Builder
	fmt.Fprintf(&b, "event: %s\nid: %d\n", name, id)
	for _, line := range strings.Split(strings.ReplaceAll(data, "\r", "&#13;"), "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	e.write(b.String())
}

// raw writes one field or comment line as its own block.
func (e *eventWriter) raw(line string) { e.write(line + "\n\n") }

func (e *eventWriter) write(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
		e.wrote = true
	}
}

// done flushes what was written and returns the first error.
func (e *eventWriter) done() error {
	if e.err == nil {
		e.err = e.flush()
	}
	e.wrote = false
	return e.err
}
