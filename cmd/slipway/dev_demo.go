//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/demo"
	"github.com/slipwayhq/slipway/demo/seed"
	"github.com/slipwayhq/slipway/identity"
)

// startDemo runs the demo backend in-process and seeds the demo catalog
// and actions pointing at it. A seed that cannot write everything (say, a
// user changed a demo blueprint incompatibly) is a warning: the rest of
// the stack is still worth having.
func (s *devStack) startDemo(ctx context.Context, cfg config.Config, store *db.Store, c client.Client, logger *slog.Logger) error {
	dir := filepath.Join(s.DataDir, "demo")
	backend, err := demo.Start(demo.Options{
		Addr: cfg.DemoBackendAddr, PublicURL: cfg.DemoBackendURL, SlipwayURL: s.PortalURL,
		Secret: []byte(cfg.WebhookSecret), Dir: dir, Logger: logger.With("component", "demo-backend"), Pace: demoPace,
	})
	if err != nil {
		return fmt.Errorf("demo backend on %s: %w (set SLIPWAY_DEMO_BACKEND_ADDR, or SLIPWAY_DEMO=false)", cfg.DemoBackendAddr, err)
	}
	s.closers = append(s.closers, func() { _ = backend.Close() })
	s.DemoBackendURL = backend.URL
	if err := s.startTeamWorker(logger); err != nil {
		return err
	}

	admin, err := identity.New(store).UserByEmail(ctx, identity.DemoAdminEmail)
	if err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	cat := newCatalog(store, c)
	report, err := seed.Seed(ctx, seed.Options{
		Catalog: cat, Actions: newSelfService(store, c, cat), Admin: admin,
		BackendURL: backend.URL, Dir: dir, Logger: logger,
	})
	if err != nil {
		logger.Warn("demo seed incomplete", "err", err)
	}
	if report.Created+report.Updated > 0 {
		logger.Info("demo seeded", "created", report.Created, "updated", report.Updated, "kept_user_changes", report.Kept)
	}
	return nil
}
