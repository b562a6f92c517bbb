//go:build !slipway_lean

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/devserver"
	"github.com/slipwayhq/slipway/workflows"
)

// temporalDBFile is the SQLite file `slipway temporal` and `slipway dev`
// keep in the data folder: the same file, so either can serve a dev folder.
const temporalDBFile = "temporal.db"

// runTemporal serves the embedded Temporal server alone: one process that
// operators can run instead of a Temporal cluster, and that the kill tests
// run (and kill) as its own OS process beside `web` and `worker`.
func runTemporal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv(true)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("temporal", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the SQLite file "+temporalDBFile+" (env SLIPWAY_DATA_DIR)")
	inMemory := fs.Bool("in-memory", false, "keep everything in memory: nothing survives a restart")
	fs.StringVar(&cfg.TemporalAddress, "addr", cfg.TemporalAddress, "frontend host:port; port 0 picks a free one (env TEMPORAL_ADDRESS)")
	fs.StringVar(&cfg.TemporalNamespace, "namespace", cfg.TemporalNamespace, "namespace created on start (env TEMPORAL_NAMESPACE)")
	fs.StringVar(&cfg.TemporalUIAddr, "ui-addr", cfg.TemporalUIAddr, `Web UI host:port; "" serves no UI (env SLIPWAY_TEMPORAL_UI_ADDR)`)
	codec := fs.String("codec-endpoint", "", "URL of the portal's payload codec ($SLIPWAY_PUBLIC_URL/codec) the Web UI decodes payloads with; empty shows them encrypted")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: slipway temporal [flags]

Serves Temporal's own server (frontend, history, matching and worker
services) in this one process, on SQLite, with Slipway's namespace and
search attributes. Point web and worker at it with TEMPORAL_ADDRESS.
SIGTERM or Ctrl-C stops it; a restart on the same data folder keeps every
workflow. Flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	opts := devserver.Options{
		FrontendAddr:     cfg.TemporalAddress,
		UIAddr:           cfg.TemporalUIAddr,
		Namespace:        cfg.TemporalNamespace,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           temporalLogger(ctx, logger),
		CodecEndpoint:    *codec,
	}
	store := "memory"
	if !*inMemory {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return err
		}
		opts.DatabaseFile = filepath.Join(dir, temporalDBFile)
		store = opts.DatabaseFile
	}
	started := time.Now()
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	srv, err := devserver.Start(startCtx, opts)
	if err != nil {
		return err
	}
	defer srv.Stop()
	// Tests (and scripts) read the frontend's address from this line when
	// they asked for port 0.
	logger.Info("temporal server ready", "frontend", srv.FrontendAddr, "namespace", cfg.TemporalNamespace,
		"ui", srv.UIURL, "store", store, "after", time.Since(started).Round(time.Millisecond))
	<-ctx.Done()
	logger.Info("stopping the temporal server")
	return nil
}

// temporalLogger shows the server's warnings and errors only, unless the
// level is debug: at info it is chatty.
func temporalLogger(ctx context.Context, logger *slog.Logger) *slog.Logger {
	if logger.Enabled(ctx, slog.LevelDebug) {
		return logger
	}
	return slog.New(levelFloor{logger.Handler(), slog.LevelWarn})
}
