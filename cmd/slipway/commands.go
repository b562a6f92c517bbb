package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/outbound"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/telemetry"
	"github.com/slipwayhq/slipway/temporalclient"
	"github.com/slipwayhq/slipway/worker"
	"github.com/slipwayhq/slipway/workflows"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"dev", "run everything on embedded defaults: Temporal + Web UI, PostgreSQL, worker, portal", runDev},
		{"web", "serve the portal and the Connect API", runWeb},
		{"worker", "run the Temporal worker", runWorker},
		{"temporal", "serve the embedded Temporal server (and its Web UI) alone, on SQLite or in memory", runTemporal},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"user", "add or update a user: user create --email EMAIL --name NAME [--role admin|member]", runUser},
		{"team", "add or rename a team: team create --id IDENTIFIER [--name NAME]", runTeam},
		{"token", "manage API tokens: token create --user EMAIL [--name N] [--ttl-days D] | token revoke --id ID", runToken},
		{"secret", "manage named secrets through the API (SLIPWAY_URL, SLIPWAY_TOKEN): secret set NAME (value on stdin) | secret list | secret delete NAME", runSecret},
		{"demo-backend", "serve the demo actions' backend on its own (dev runs it in-process)", runDemoBackend},
	}
}

// errUsage marks errors already explained to the user on stderr.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			if err := c.run(ctx, args[1:], stdout, stderr); err != nil {
				if !errors.Is(err, errUsage) && !errors.Is(err, flag.ErrHelp) {
					fmt.Fprintf(stderr, "slipway %s: %s\n", c.name, userMessage(err))
				}
				if errors.Is(err, flag.ErrHelp) {
					return 0
				}
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "slipway: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// userMessage prefers the safe message of a Slipway error; other errors are
// operator-facing here (a terminal), so their text is useful as is.
func userMessage(err error) string {
	var e *slipway.Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return err.Error()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Slipway: self-service actions on Temporal.")
	fmt.Fprintln(w, "\nUsage: slipway <command> [flags]\n\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nEnvironment:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, v := range config.Vars {
		def := v.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(tw, "  %s\t%s\tdefault %s\n", v.Name, v.Help, def)
	}
	tw.Flush()
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	// Records logged with a run's context (activities) name the run and its action.
	if cfg.LogFormat == "json" {
		return slog.New(telemetry.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(telemetry.LogHandler(slog.NewTextHandler(w, opts)))
}

func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("migrate", flag.ContinueOnError), args, stderr); err != nil {
		return err
	}
	cfg, err := config.FromEnv(false)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("worker", flag.ContinueOnError), args, stderr); err != nil {
		return err
	}
	cfg, err := config.FromEnv(false)
	if err != nil {
		return err
	}
	if cfg.WebhookSecret == "" {
		return slipway.FieldError("SLIPWAY_WEBHOOK_SECRET", "is required: it signs every backend request")
	}
	p, closeProcess, err := openServerProcess(ctx, "slipway-worker", cfg, stderr)
	if err != nil {
		return err
	}
	defer closeProcess()
	if err := temporalclient.EnsureSearchAttributes(ctx, p.temporal, cfg.TemporalNamespace, workflows.SearchAttributes()); err != nil {
		return err
	}
	p.logger.Info("worker running", "temporal", cfg.TemporalAddress, "namespace", cfg.TemporalNamespace, "task_queue", workflows.TaskQueue,
		"outbound_deny", cfg.OutboundDeny.String())
	worker.SetCacheSize(cfg.WorkflowCache)
	return worker.Run(ctx, p.temporal, workerActivities(cfg, p.store, p.temporal, p.keys, p.tel.Metrics))
}

// serverProcess is what `slipway web` and `slipway worker` both hold: the
// keyring, logs, telemetry (with /metrics on its own address when
// configured), PostgreSQL and Temporal.
type serverProcess struct {
	keys     *secrets.Keyring
	logger   *slog.Logger
	tel      *telemetry.Telemetry
	store    *db.Store
	temporal client.Client
}

// openServerProcess opens what a server process needs; release closes it
// in reverse order.
func openServerProcess(ctx context.Context, service string, cfg config.Config, stderr io.Writer) (p *serverProcess, release func(), err error) {
	p = &serverProcess{logger: newLogger(cfg, stderr)}
	if p.keys, err = loadKeyring(cfg); err != nil {
		return nil, nil, err
	}
	if p.tel, err = startTelemetry(ctx, service, nil); err != nil {
		return nil, nil, err
	}
	var closeDeps func()
	p.store, p.temporal, closeDeps, err = connectDeps(ctx, cfg, p.logger, codecOption(p.keys), p.tel.ConfigureClient)
	if err != nil {
		closeTelemetry(p.tel, p.logger)
		return nil, nil, err
	}
	stopMetrics, err := serveMetrics(cfg, p.tel, p.logger)
	if err != nil {
		closeDeps()
		closeTelemetry(p.tel, p.logger)
		return nil, nil, err
	}
	return p, func() {
		stopMetrics()
		closeDeps()
		closeTelemetry(p.tel, p.logger)
	}, nil
}

// connectDeps opens PostgreSQL and Temporal for the web and worker commands.
func connectDeps(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...temporalclient.Option) (*db.Store, client.Client, func(), error) {
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := temporalclient.Dial(ctx, cfg.TemporalAddress, cfg.TemporalNamespace, logger, opts...)
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	return store, c, func() { c.Close(); store.Close() }, nil
}

func runWeb(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("web", flag.ContinueOnError), args, stderr); err != nil {
		return err
	}
	cfg, err := config.FromEnv(false)
	if err != nil {
		return err
	}
	p, closeProcess, err := openServerProcess(ctx, "slipway-web", cfg, stderr)
	if err != nil {
		return err
	}
	defer closeProcess()
	web, err := startWeb(cfg, p.store, p.temporal, p.keys, p.tel, p.logger)
	if err != nil {
		return err
	}
	p.logger.Info("portal and API listening", "url", web.URL)
	<-ctx.Done()
	return web.Close()
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: slipway token create --user EMAIL [--name NAME] [--ttl-days N] | slipway token revoke --id ID")
		return errUsage
	}
	cfg, err := tokenConfig()
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		fs := flag.NewFlagSet("token create", flag.ContinueOnError)
		email := fs.String("user", "", "email of the user the token acts as (required)")
		name := fs.String("name", "cli", "label of the token")
		days := fs.Int("ttl-days", 0, "lifetime in days; 0 never expires")
		if err := parseFlags(fs, args[1:], stderr); err != nil {
			return err
		}
		if *email == "" {
			return slipway.FieldError("--user", "is required")
		}
		if *days < 0 {
			return slipway.FieldError("--ttl-days", "must not be negative")
		}
		return withIdentity(ctx, cfg, func(svc *identity.Service) error {
			tok, secret, err := svc.CreateTokenForEmail(ctx, *email, *name, time.Duration(*days)*24*time.Hour)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "created token %s (%s) for %s; it is shown only now:\n", tok.ID, tok.Name, *email)
			fmt.Fprintln(stdout, secret)
			return nil
		})
	case "revoke":
		fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
		idFlag := fs.String("id", "", "token id (required)")
		if err := parseFlags(fs, args[1:], stderr); err != nil {
			return err
		}
		id, err := uuid.Parse(strings.TrimSpace(*idFlag))
		if err != nil {
			return slipway.FieldError("--id", "must be a token id (UUID)")
		}
		return withIdentity(ctx, cfg, func(svc *identity.Service) error {
			if err := svc.RevokeToken(ctx, nil, id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked token %s\n", id)
			return nil
		})
	}
	fmt.Fprintf(stderr, "unknown token command %q: use create or revoke\n", args[0])
	return errUsage
}

func withIdentity(ctx context.Context, cfg config.Config, fn func(*identity.Service) error) error {
	url, cleanup, err := databaseURL(ctx, cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	store, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(identity.New(store))
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: slipway user create --email EMAIL --name NAME [--role admin|member]")
		return errUsage
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "display name (required)")
	role := fs.String("role", string(slipway.RoleMember), "admin or member")
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	cfg, err := tokenConfig()
	if err != nil {
		return err
	}
	return withIdentity(ctx, cfg, func(svc *identity.Service) error {
		u, err := svc.UpsertUser(ctx, *email, *name, slipway.Role(*role))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s (%s, %s) saved\n", u.Email, u.Name, u.Role)
		return nil
	})
}

// workerActivities are the activities a worker runs: backend calls and
// notification webhooks go through a client that refuses the addresses
// SLIPWAY_OUTBOUND_DENY denies, checked on every connection.
func workerActivities(cfg config.Config, store *db.Store, c client.Client, keys *secrets.Keyring, metrics *telemetry.Metrics) *activities.Activities {
	acts := newActivities(store, c, cfg.WebhookSecret, cfg.PublicURL, keys, metrics)
	acts.HTTP = outbound.NewClient(cfg.OutboundDeny, 30*time.Second)
	acts.Kafka, acts.GitLab = cfg.Kafka, cfg.GitLab
	acts.GitHub = cfg.GitHub
	return acts
}

func newActivities(store *db.Store, c client.Client, webhookSecret, publicURL string, keys *secrets.Keyring, metrics *telemetry.Metrics) *activities.Activities {
	cat := newCatalog(store, c)
	selfService := newSelfService(store, c, cat)
	selfService.Secrets = keys // expiry actions start runs, maybe with secret defaults
	selfService.Metrics = metrics
	return &activities.Activities{
		Store: store, Identity: identity.New(store), WebhookSecret: []byte(webhookSecret), Secrets: keys, Catalog: cat, PublicURL: publicURL, Temporal: c,
		Metrics: metrics, Runs: selfService,
	}
}

func newCatalog(store *db.Store, c client.Client) *catalog.Service {
	return &catalog.Service{Store: store, Timers: worker.ExpiryScheduler{Client: c}}
}

func newSelfService(store *db.Store, c client.Client, cat *catalog.Service) *selfservice.Service {
	return &selfservice.Service{Store: store, Temporal: c, Catalog: cat}
}
