//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// liveBackend accepts async runs at /async; at /sync it says it was
// called and holds the run until release is closed, then answers success:
// a change the workflow makes itself, with no update from outside.
func liveBackend(t testing.TB, release <-chan struct{}) (url string, called <-chan struct{}) {
	calls := make(chan struct{}, 16)
	b := testkit.MustBackend(t, testkit.AnswersWith(func(c testkit.Call) (int, string) {
		if c.Path != "/sync" {
			return http.StatusAccepted, ""
		}
		calls <- struct{}{}
		<-release
		return http.StatusOK, `{"status": "SUCCESS", "statusLabel": "synced"}`
	}))
	return b.URL, calls
}

func createLiveActions(t testing.TB, s *devStack, backend string) {
	for _, def := range []string{
		fmt.Sprintf(`{"action": {"identifier": "live_async", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backend+"/async"),
		fmt.Sprintf(`{"action": {"identifier": "live_sync", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend+"/sync"),
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
			t.Fatalf("create action: %d %s", status, body)
		}
	}
}

// startLiveRun starts a run of action as the dev admin and waits until it
// is in progress.
func startLiveRun(t testing.TB, s *devStack, api slipwayv1connect.RunServiceClient, action string) string {
	t.Helper()
	res, err := api.ExecuteAction(context.Background(), withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: action}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Msg.GetRun().GetId()
	waitUntil(t, 30*time.Second, "run "+id+" to be in progress", func() bool {
		got, err := api.GetRun(context.Background(), withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), s.Token))
		return err == nil && got.Msg.GetRun().GetStatus() == "IN_PROGRESS"
	})
	return id
}

func addLine(t testing.TB, s *devStack, api slipwayv1connect.RunServiceClient, id, message, end string) {
	t.Helper()
	if _, err := api.AddRunLog(context.Background(), withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: message, TerminationStatus: end}), s.Token)); err != nil {
		t.Fatalf("add line %q: %v", message, err)
	}
}

// TestLivePagesArePushed proves that WatchRun and the run page's event
// stream are pushed: the safety poll is an hour, so every event the test
// waits seconds for can only come from a notification.
func TestLivePagesArePushed(t *testing.T) {
	s := mustStartDevWith(t, t.TempDir(), func(c *config.Config) { c.Demo, c.LiveSafetyPoll = false, time.Hour })
	defer s.Close()
	release := make(chan struct{})
	backend, called := liveBackend(t, release)
	createLiveActions(t, s, backend)
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	browser := signedIn(t, s.PortalURL, "admin@example.com")
	const within = 10 * time.Second

	t.Run("lines, updates and the end reach both viewers; reconnects resume", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		id := startLiveRun(t, s, api, "live_async")
		watch := watchViewer(ctx, api, s.Token, id, 0)
		page := pageViewer(ctx, browser.c, s.PortalURL, id, "")
		expect(t, "watch", watch, "status", statusIs("IN_PROGRESS"), within)
		expect(t, "page", page, "status", statusIs("IN_PROGRESS"), within)

		for seq, msg := range []string{"one", "two", "three"} {
			addLine(t, s, api, id, msg, "")
			for name, v := range map[string]<-chan liveEvent{"watch": watch, "page": page} {
				if got := expect(t, name, v, "line", anyEvent, within); got.seq != int64(seq+1) || got.text != msg {
					t.Errorf("%s: line %d %q, want %d %q", name, got.seq, got.text, seq+1, msg)
				}
			}
		}
		// Reconnecting viewers get only what follows the last line they had.
		watchAgain := watchViewer(ctx, api, s.Token, id, 2)
		pageAgain := pageViewer(ctx, browser.c, s.PortalURL, id, "1")
		if got := expect(t, "watch resumed", watchAgain, "line", anyEvent, within); got.seq != 3 {
			t.Errorf("resumed WatchRun starts at line %d, want 3", got.seq)
		}
		if got := expect(t, "page resumed", pageAgain, "line", anyEvent, within); got.seq != 2 {
			t.Errorf("resumed page starts at line %d, want 2", got.seq)
		}

		// A status update, then the line that ends the run.
		if _, err := api.UpdateRun(ctx, withToken(connect.NewRequest(&slipwayv1.UpdateRunRequest{Id: id, StatusLabel: new("halfway")}), s.Token)); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]<-chan liveEvent{"watch": watch, "page": page} {
			expect(t, name, v, "status", statusIs("IN_PROGRESS halfway"), within)
		}
		addLine(t, s, api, id, "done", "SUCCESS")
		for name, v := range map[string]<-chan liveEvent{"watch": watch, "page": page, "watch resumed": watchAgain, "page resumed": pageAgain} {
			expect(t, name, v, "line", lineSeq(4), within)
			expect(t, name, v, "status", statusIs("SUCCESS"), within)
			if end := expect(t, name, v, "end", anyEvent, within); end.failed != nil {
				t.Errorf("%s ended with %v", name, end.failed)
			}
		}
	})

	t.Run("the workflow's own changes reach both viewers", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		id := startLiveRun(t, s, api, "live_sync")
		<-called
		watch := watchViewer(ctx, api, s.Token, id, 0)
		page := pageViewer(ctx, browser.c, s.PortalURL, id, "")
		for name, v := range map[string]<-chan liveEvent{"watch": watch, "page": page} {
			expect(t, name, v, "status", statusIs("IN_PROGRESS"), within)
		}
		close(release) // the backend answers; the workflow ends the run and saves it
		for name, v := range map[string]<-chan liveEvent{"watch": watch, "page": page} {
			expect(t, name, v, "status", statusIs("SUCCESS synced"), within)
			expect(t, name, v, "end", anyEvent, within)
		}
	})

	t.Run("viewers that go away leave nothing behind", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		id := startLiveRun(t, s, api, "live_async")
		var viewers []<-chan liveEvent
		for range 5 {
			viewers = append(viewers, watchViewer(ctx, api, s.Token, id, 0), pageViewer(ctx, browser.c, s.PortalURL, id, ""))
		}
		for _, v := range viewers {
			expect(t, "viewer", v, "status", statusIs("IN_PROGRESS"), within)
		}
		if n := s.RunEvents.Subscribers(); n != len(viewers) {
			t.Errorf("%d subscriptions for %d viewers", n, len(viewers))
		}
		cancel()
		waitUntil(t, within, "every viewer's subscription to close", func() bool { return s.RunEvents.Subscribers() == 0 })
		waitUntil(t, within, "every viewer's handler to return", func() bool {
			buf := make([]byte, 4<<20)
			stacks := string(buf[:runtime.Stack(buf, true)])
			return !strings.Contains(stacks, "frontend.(*runsAPI).WatchRun") && !strings.Contains(stacks, "frontend.(*Server).runEventStream")
		})
	})
}
