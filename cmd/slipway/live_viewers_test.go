//go:build !slipway_lean

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/PuerkitoBio/goquery"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit/ssetest"
)

// liveEvent is what a live viewer (a WatchRun stream or the run page's
// event stream) received, and when.
type liveEvent struct {
	kind   string // "line", "status" or "end"
	seq    int64  // line
	text   string // a line's message; a status's status and label
	at     time.Time
	failed error // end: why the stream stopped, if not with the run
}

// watchViewer follows a run through WatchRun from after.
func watchViewer(ctx context.Context, api slipwayv1connect.RunServiceClient, token, id string, after int64) <-chan liveEvent {
	events := make(chan liveEvent, 4096)
	go func() {
		defer close(events)
		stream, err := api.WatchRun(ctx, withToken(connect.NewRequest(&slipwayv1.WatchRunRequest{Id: id, AfterSeq: after}), token))
		if err != nil {
			events <- liveEvent{kind: "end", failed: err}
			return
		}
		defer stream.Close()
		for stream.Receive() {
			now := time.Now()
			if l := stream.Msg().GetLog(); l != nil {
				events <- liveEvent{kind: "line", seq: l.GetSeq(), text: l.GetMessage(), at: now}
			} else if r := stream.Msg().GetRun(); r != nil {
				events <- liveEvent{kind: "status", text: r.GetStatus() + " " + r.GetStatusLabel(), at: now}
			}
		}
		events <- liveEvent{kind: "end", failed: stream.Err(), at: time.Now()}
	}()
	return events
}

// pageViewer follows a run as its page does: GET /runs/{id}/events with a
// portal session, resuming after lastEventID when it is set.
func pageViewer(ctx context.Context, c *http.Client, base, id, lastEventID string) <-chan liveEvent {
	events := make(chan liveEvent, 4096)
	go func() {
		defer close(events)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/runs/"+id+"/events?after_seq=0", nil)
		if lastEventID != "" {
			req.Header.Set("Last-Event-ID", lastEventID)
		}
		resp, err := c.Do(req)
		if err != nil {
			events <- liveEvent{kind: "end", failed: err}
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			events <- liveEvent{kind: "end", failed: errors.New("event stream answered " + resp.Status)}
			return
		}
		stream := ssetest.NewReader(resp.Body)
		for {
			ev, err := stream.Next()
			now := time.Now()
			if err != nil {
				if err == io.EOF {
					err = errors.New("the stream closed without an end event")
				}
				events <- liveEvent{kind: "end", failed: err, at: now}
				return
			}
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(ev.Data))
			switch ev.Name {
			case "lines":
				doc.Find(`[data-testid="log-line"]`).Each(func(_ int, s *goquery.Selection) {
					seq, _ := strconv.ParseInt(s.AttrOr("data-seq", ""), 10, 64)
					events <- liveEvent{kind: "line", seq: seq, text: strings.TrimSuffix(s.Text(), "\n"), at: now}
				})
			case "status":
				events <- liveEvent{kind: "status", at: now,
					text: strings.TrimSpace(doc.Find(`[data-testid="run-status"]`).Text()) + " " + strings.TrimSpace(doc.Find(`[data-testid="run-label"]`).Text())}
			case "end":
				events <- liveEvent{kind: "end", at: now}
				return
			}
		}
	}()
	return events
}

// expect reads a viewer's events until one of kind satisfies match.
func expect(tb testing.TB, viewer string, events <-chan liveEvent, kind string, match func(liveEvent) bool, within time.Duration) liveEvent {
	tb.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, open := <-events:
			if !open {
				tb.Fatalf("%s: the stream ended before a %s event", viewer, kind)
			}
			if ev.kind == kind && match(ev) {
				return ev
			}
			if ev.kind == "end" {
				tb.Fatalf("%s: the stream ended (%v) before a %s event", viewer, ev.failed, kind)
			}
		case <-deadline:
			tb.Fatalf("%s: no %s event within %s", viewer, kind, within)
		}
	}
}

func lineSeq(seq int64) func(liveEvent) bool { return func(e liveEvent) bool { return e.seq == seq } }

func statusIs(prefix string) func(liveEvent) bool {
	return func(e liveEvent) bool { return strings.HasPrefix(e.text, prefix) }
}

func anyEvent(liveEvent) bool { return true }
