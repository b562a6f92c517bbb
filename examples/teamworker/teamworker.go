// Package teamworker is an example of a team serving Slipway actions from
// its own Temporal worker, with package backend: the worker only polls the
// team's task queue, so it opens no port. `slipway dev` runs it in-process
// for the demo's "Check a service" action; cmd/teamworker runs it on its
// own, as a team would.
//
// It imports nothing of Slipway's but package backend.
package teamworker

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/slipwayhq/slipway/backend"
)

// TaskQueue is the team's queue, named by the demo action's definition:
//
//	"invocationMethod": {"type": "TEMPORAL", "taskQueue": "demo-team-actions", "activity": "CheckService"}
const TaskQueue = "demo-team-actions"

// Handlers are the team's actions by activity (or Nexus operation) name.
func Handlers(pace time.Duration) map[string]backend.Handler {
	return map[string]backend.Handler{"CheckService": checkService(pace)}
}

// Register registers the team's handlers on w, for actions that name w's
// task queue in Slipway's namespace.
func Register(w worker.ActivityRegistry, pace time.Duration) {
	for name, h := range Handlers(pace) {
		backend.Register(w, name, h)
	}
}

// checkService runs a service's checks, one log line each, paced so a
// person can follow them on the run page, and stops when the run is
// cancelled.
func checkService(pace time.Duration) backend.Handler {
	return func(ctx context.Context, run *backend.Run) (backend.Result, error) {
		service, _ := run.Entity["identifier"].(string)
		if service == "" {
			return backend.Failure("the run names no service"), nil
		}
		checks := []string{"the repository has an owner", "the deployment has a health check", "the on-call rota is set"}
		for i, check := range checks {
			select {
			case <-ctx.Done():
				return backend.Result{}, ctx.Err()
			case <-time.After(pace):
			}
			if err := run.Log("check %d/%d on %s: %s: ok", i+1, len(checks), service, check); err != nil {
				return backend.Result{}, err
			}
		}
		if props, ok := run.Entity["properties"].(map[string]any); ok {
			if repo, ok := props["repository"].(string); ok && repo != "" {
				if err := run.Link(repo); err != nil {
					return backend.Result{}, err
				}
			}
		}
		if err := run.Summary(fmt.Sprintf("**%s**: %d of %d checks passed, served by the team's own worker.", service, len(checks), len(checks))); err != nil {
			return backend.Result{}, err
		}
		return backend.Success(fmt.Sprintf("%d checks passed", len(checks))), nil
	}
}
