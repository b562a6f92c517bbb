package main

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/pgcluster"
)

// tokenConfig reads the configuration for CLI commands that work both
// against a deployment (DATABASE_URL) and against `slipway dev`'s data folder.
func tokenConfig() (config.Config, error) {
	return config.FromEnv(os.Getenv("DATABASE_URL") == "")
}

// databaseURL returns DATABASE_URL, or the dev cluster's URL: the running
// one, else the cluster started just for this command (cleanup stops it).
func databaseURL(ctx context.Context, cfg config.Config) (string, func(), error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, func() {}, nil
	}
	dir := devPostgresDir(cfg)
	if url, ok := pgcluster.Running(ctx, dir, "slipway"); ok {
		return url, func() {}, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		return "", nil, errNoDevData(cfg.DataDir)
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Log: io.Discard})
	if err != nil {
		return "", nil, err
	}
	return c.URL, c.Stop, nil
}

func devPostgresDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "postgres") }

type errNoDevData string

func (e errNoDevData) Error() string {
	return "no DATABASE_URL and no dev data in " + string(e) + ": run `slipway dev` (make run) first, or set DATABASE_URL"
}
