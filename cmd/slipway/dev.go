//go:build !slipway_lean

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/devserver"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/pgcluster"
	"github.com/slipwayhq/slipway/runevents"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/temporalclient"
	"github.com/slipwayhq/slipway/worker"
	"github.com/slipwayhq/slipway/workflows"
)

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.FromEnv(true)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data folder (env SLIPWAY_DATA_DIR)")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "portal and API address (env SLIPWAY_HTTP_ADDR)")
	fs.StringVar(&cfg.TemporalAddress, "temporal-addr", cfg.TemporalAddress, "Temporal frontend address (env TEMPORAL_ADDRESS)")
	fs.StringVar(&cfg.TemporalUIAddr, "ui-addr", cfg.TemporalUIAddr, "Temporal Web UI address (env SLIPWAY_TEMPORAL_UI_ADDR)")
	fs.IntVar(&cfg.PostgresPort, "pg-port", cfg.PostgresPort, "private PostgreSQL port (env SLIPWAY_PG_PORT)")
	fs.BoolVar(&cfg.Demo, "demo", cfg.Demo, "seed the demo and run its backend (env SLIPWAY_DEMO)")
	fs.StringVar(&cfg.DemoBackendAddr, "demo-addr", cfg.DemoBackendAddr, "demo backend address (env SLIPWAY_DEMO_BACKEND_ADDR)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	// Flags may have moved the UI; keep the linked URL in step unless set.
	if os.Getenv("SLIPWAY_TEMPORAL_UI_URL") == "" {
		cfg.TemporalUIURL = ""
	}
	logger := newLogger(cfg, stderr)
	started := time.Now()
	stack, err := startDev(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer stack.Close()
	logger.Info("slipway dev started", "after", time.Since(started).Round(time.Millisecond))
	stack.printBanner(stdout)
	<-ctx.Done()
	logger.Info("stopping")
	return nil
}

// devStack is everything `slipway dev` runs in one process. Tests start it
// on free ports and temp folders, exactly as the command does.
type devStack struct {
	DataDir      string
	PortalURL    string
	TemporalAddr string
	TemporalUI   string
	DatabaseURL  string
	Token        string
	Namespace    string
	Client       client.Client
	// WebhookSecret signs backend requests.
	WebhookSecret string
	// Keys encrypt secret inputs and Temporal payloads.
	Keys *secrets.Keyring
	// DemoBackendURL is the in-process demo backend; empty without the demo.
	DemoBackendURL string
	// Routes are the portal's and the API's patterns (frontend.Server.Routes).
	Routes []string
	// RunEvents is the portal's hub of live viewers (runevents).
	RunEvents *runevents.Hub
	// MetricsToken opens /metrics (Authorization: Bearer); dev keeps it in
	// the data folder.
	MetricsToken string

	db *db.Store

	closers []func() // run in reverse order by Close
}

func startDev(ctx context.Context, cfg config.Config, logger *slog.Logger, options ...devOption) (_ *devStack, err error) {
	var opts devOptions
	for _, o := range options {
		o(&opts)
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	s := &devStack{DataDir: dataDir, Namespace: cfg.TemporalNamespace}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()

	// PostgreSQL: the configured server, or a private cluster in the data folder.
	s.DatabaseURL = cfg.DatabaseURL
	if s.DatabaseURL == "" {
		pgLog, err := os.OpenFile(filepath.Join(dataDir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { pgLog.Close() })
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dataDir, "postgres"), Port: cfg.PostgresPort, Log: pgLog})
		if err != nil {
			if errors.Is(err, pgcluster.ErrNoBinaries) {
				return nil, err
			}
			return nil, fmt.Errorf("private PostgreSQL (log in %s): %w", pgLog.Name(), err)
		}
		s.closers = append(s.closers, cluster.Stop)
		s.DatabaseURL = cluster.URL
	}
	if err := db.Migrate(ctx, s.DatabaseURL); err != nil {
		return nil, err
	}
	store, err := db.Open(ctx, s.DatabaseURL)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, store.Close)
	s.db = store
	tel, err := startTelemetry(ctx, "slipway-dev", opts.spans)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { closeTelemetry(tel, logger) })
	if cfg.MetricsToken == "" {
		if cfg.MetricsToken, err = ensureSecretFile(filepath.Join(dataDir, "metrics-token")); err != nil {
			return nil, fmt.Errorf("metrics token: %w", err)
		}
	}
	s.MetricsToken = cfg.MetricsToken
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		return nil, fmt.Errorf("seed demo users: %w", err)
	}
	if s.Token, err = ident.EnsureDevToken(ctx, filepath.Join(dataDir, "dev-token"), identity.DemoAdminEmail); err != nil {
		return nil, fmt.Errorf("dev token: %w", err)
	}

	// Secret inputs and every Temporal payload are encrypted; dev keeps its
	// key in the data folder, so that restarts still read what it wrote.
	if cfg.EncryptionKey == "" {
		if cfg.EncryptionKey, err = ensureKeyFile(filepath.Join(dataDir, "encryption-key")); err != nil {
			return nil, fmt.Errorf("encryption key: %w", err)
		}
	}
	if s.Keys, err = loadKeyring(cfg); err != nil {
		return nil, err
	}
	// The portal listens first: the Temporal UI decodes payloads through
	// the portal's codec, so it must know the portal's URL when it starts.
	webListener, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("portal on %s: %w", cfg.HTTPAddr, err)
	}
	s.closers = append(s.closers, func() { _ = webListener.Close() })
	s.PortalURL = "http://" + webListener.Addr().String()

	// Temporal: the server is chatty at info level; show only its warnings.
	temporalLogger := temporalLogger(ctx, logger)
	srv, err := devserver.Start(ctx, devserver.Options{
		DatabaseFile:     filepath.Join(dataDir, temporalDBFile),
		FrontendAddr:     cfg.TemporalAddress,
		UIAddr:           cfg.TemporalUIAddr,
		Namespace:        cfg.TemporalNamespace,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           temporalLogger,
		CodecEndpoint:    s.PortalURL + "/codec",
	})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, srv.Stop)
	s.TemporalAddr, s.TemporalUI = srv.FrontendAddr, srv.UIURL
	if cfg.TemporalUIURL == "" {
		cfg.TemporalUIURL = srv.UIURL
	}

	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := temporalclient.Dial(dialCtx, srv.FrontendAddr, cfg.TemporalNamespace, temporalLogger, codecOption(s.Keys), tel.ConfigureClient)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, c.Close)
	s.Client = c
	if err := temporalclient.EnsureSearchAttributes(ctx, c, cfg.TemporalNamespace, workflows.SearchAttributes()); err != nil {
		return nil, err
	}

	if cfg.WebhookSecret == "" {
		if cfg.WebhookSecret, err = ensureSecretFile(filepath.Join(dataDir, "webhook-secret")); err != nil {
			return nil, fmt.Errorf("webhook secret: %w", err)
		}
	}
	s.WebhookSecret = cfg.WebhookSecret
	worker.SetCacheSize(cfg.WorkflowCache)
	w := worker.New(c, workerActivities(cfg, store, c, s.Keys, tel.Metrics))
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	s.closers = append(s.closers, w.Stop)
	if err := worker.StartSingletons(ctx, c); err != nil {
		return nil, err
	}

	web := serveWeb(webListener, cfg, store, c, s.Keys, tel, logger)
	s.closers = append(s.closers, func() { _ = web.Close() })
	s.Routes, s.RunEvents = web.Routes, web.RunEvents

	if cfg.Demo {
		if err := s.startDemo(ctx, cfg, store, c, logger); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Close stops everything in reverse order of start.
func (s *devStack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

func (s *devStack) printBanner(w io.Writer) {
	tokenFile := filepath.Join(s.DataDir, "dev-token")
	fmt.Fprintf(w, `
Slipway is running.

  Portal + API    %s
  Temporal Web UI %s
  Temporal        %s (namespace %s)
  Metrics         %s/metrics (bearer token: $SLIPWAY_METRICS_TOKEN, else the one in %s)
`, s.PortalURL, s.TemporalUI, s.TemporalAddr, s.Namespace, s.PortalURL, filepath.Join(s.DataDir, "metrics-token"))
	if s.DemoBackendURL != "" {
		fmt.Fprintf(w, "  Demo backend    %s (repositories and environments the demo actions make)\n", s.DemoBackendURL)
	}
	fmt.Fprintf(w, `  Data folder     %s
  Dev API token   %s
                  (for %s; also in %s)

Try the API:
  curl -s -H "Authorization: Bearer $(cat %s)" -H 'Content-Type: application/json' \
    -d '{}' %s/slipway.v1.IdentityService/WhoAmI
`, s.DataDir, s.Token, identity.DemoAdminEmail, tokenFile, tokenFile, s.PortalURL)
	if s.DemoBackendURL != "" {
		fmt.Fprintf(w, `
Try the demo: sign in to %s, then in Self-service scaffold a service, create
an environment of it, extend its TTL, change the service's replicas, delete the environment.
`, s.PortalURL)
	}
	fmt.Fprint(w, "\nPress Ctrl-C to stop; data is kept for the next start.\n")
}

func (s *devStack) store() *db.Store { return s.db }
