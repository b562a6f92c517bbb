package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/demo"
)

// demoPace slows the demo's jobs down to a pace a person can follow in
// the portal: each step's log line arrives on its own.
const demoPace = 250 * time.Millisecond

// runDemoBackend serves the demo actions' backend on its own, for a
// Slipway that runs elsewhere (`slipway dev` runs it in-process).
func runDemoBackend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv(true) // needs no database: only the defaults of dev
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("demo-backend", flag.ContinueOnError)
	fs.StringVar(&cfg.DemoBackendAddr, "addr", cfg.DemoBackendAddr, "listen address (env SLIPWAY_DEMO_BACKEND_ADDR)")
	fs.StringVar(&cfg.DemoBackendURL, "url", cfg.DemoBackendURL, "public URL of this backend (env SLIPWAY_DEMO_BACKEND_URL; default http://ADDR)")
	fs.StringVar(&cfg.PublicURL, "slipway-url", cfg.PublicURL, "Slipway's URL, where runs are reported (env SLIPWAY_PUBLIC_URL)")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data folder; the demo's repositories and environments go in its demo/ (env SLIPWAY_DATA_DIR)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	secret, err := demoSecret(cfg)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	srv, err := demo.Start(demo.Options{
		Addr: cfg.DemoBackendAddr, PublicURL: cfg.DemoBackendURL, SlipwayURL: cfg.PublicURL,
		Secret: []byte(secret), Dir: filepath.Join(cfg.DataDir, "demo"), Logger: logger, Pace: demoPace,
	})
	if err != nil {
		return err
	}
	logger.Info("demo backend listening", "url", srv.URL, "slipway", cfg.PublicURL)
	fmt.Fprintf(stdout, "Demo backend on %s, reporting to %s.\n", srv.URL, cfg.PublicURL)
	<-ctx.Done()
	return srv.Close()
}

// demoSecret is SLIPWAY_WEBHOOK_SECRET, or the secret `slipway dev` keeps
// in its data folder, so the backend runs next to dev with no setup.
func demoSecret(cfg config.Config) (string, error) {
	if cfg.WebhookSecret != "" {
		return cfg.WebhookSecret, nil
	}
	path := filepath.Join(cfg.DataDir, "webhook-secret")
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return "", slipway.FieldError("SLIPWAY_WEBHOOK_SECRET", "is required to check Slipway's signatures (or run next to `slipway dev`, which keeps one in %s)", path)
}
