// Package backend lets a team serve Slipway actions from its own Temporal
// worker: the action's definition names the team's task queue and an
// activity, {"type": "TEMPORAL", "taskQueue": "payments-actions",
// "activity": "ScaffoldService"}, and the run workflow schedules that
// activity on that queue. The team's worker only polls, so it needs no
// inbound port, and it needs no credential beyond the connection to
// Slipway's Temporal namespace it already has to be a worker at all.
//
//	w := worker.New(c, "payments-actions", worker.Options{})
//	backend.Register(w, "ScaffoldService", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
//		run.Log("creating repository %s", run.Inputs["name"])
//		run.Link("https://git.example.com/" + run.Inputs["name"].(string))
//		return backend.Success("scaffolded"), nil
//	})
//
// This package is Slipway's public contract with team workers: it imports
// nothing of Slipway's, so a team's module depends only on it and the
// Temporal SDK.
package backend

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
)

// Handler serves one action. ctx is cancelled when the run is cancelled or
// times out (the cancel reaches the worker with a heartbeat, see
// HeartbeatTimeout). Returning an error retries the call under the
// action's retry policy; a Result ends the run, successful or not.
type Handler func(ctx context.Context, run *Run) (Result, error)

// HeartbeatTimeout is how long Slipway waits for a heartbeat before it
// counts the team's worker as dead and schedules the call again, on any
// worker of the queue. Register's wrapper heartbeats for the handler, every
// heartbeatEvery, so a handler never has to.
const HeartbeatTimeout = 10 * time.Second

// heartbeatEvery is well under HeartbeatTimeout. The SDK sends at most one
// heartbeat per 80% of the timeout to the server, so a cancel reaches the
// handler's ctx within about 8 seconds.
const heartbeatEvery = time.Second

// Register makes h serve the activity name on w's task queue.
func Register(w worker.ActivityRegistry, name string, h Handler) {
	w.RegisterActivityWithOptions(Activity(h), activity.RegisterOptions{Name: name})
}

// Activity is h as a Temporal activity function, for workers that register
// their activities themselves.
func Activity(h Handler) func(ctx context.Context, payload Payload) (Result, error) {
	return serve(h, newRun)
}

// serve runs h as an activity, heartbeating for it; a Nexus call's
// progress (collected by its Run) joins the Result.
func serve(h Handler, runOf func(context.Context, Payload) *Run) func(ctx context.Context, payload Payload) (Result, error) {
	return func(ctx context.Context, payload Payload) (Result, error) {
		run := runOf(ctx, payload)
		beatCtx, stop := context.WithCancel(ctx)
		defer stop()
		go heartbeat(beatCtx, run)
		res, err := h(ctx, run)
		if err != nil {
			return Result{}, err
		}
		if run.collected != nil {
			run.mu.Lock()
			res.Logs = append(run.collected.Logs, res.Logs...)
			res.Links = append(run.collected.Links, res.Links...)
			if res.Summary == "" {
				res.Summary = run.collected.Summary
			}
			run.mu.Unlock()
		}
		return res.valid(), nil
	}
}

// heartbeat keeps the call alive while the handler works: a worker that
// dies stops heartbeating, and Slipway schedules the call again on another.
func heartbeat(ctx context.Context, run *Run) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		activity.RecordHeartbeat(ctx, run.progressCount())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
