//go:build !slipway_lean

package main

import (
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/slipwayhq/slipway/examples/teamworker"
)

// startTeamWorker runs the example team's worker (examples/teamworker) in
// process, for the demo's TEMPORAL action. It dials the embedded server on
// a client of its own, without Slipway's payload codec, as a team's worker
// would: what it reads and writes is the plain JSON any team gets.
func (s *devStack) startTeamWorker(logger *slog.Logger) error {
	c, err := client.Dial(client.Options{
		HostPort: s.TemporalAddr, Namespace: s.Namespace,
		Logger: sdklog.NewStructuredLogger(logger.With("component", "team-worker")),
	})
	if err != nil {
		return fmt.Errorf("example team worker: %w", err)
	}
	w := worker.New(c, teamworker.TaskQueue, worker.Options{})
	teamworker.Register(w, demoPace)
	if err := w.Start(); err != nil {
		c.Close()
		return fmt.Errorf("example team worker: %w", err)
	}
	s.closers = append(s.closers, func() { w.Stop(); c.Close() })
	return nil
}
