package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/frontend"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runevents"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/telemetry"
)

// webServer is the portal and API listening on its address.
type webServer struct {
	URL string
	// Routes are the patterns the frontend serves (frontend.Server.Routes).
	Routes []string
	srv    *http.Server
	// RunEvents wakes live pages and WatchRun streams; its listener feeds it.
	RunEvents *runevents.Hub
	listener  *runevents.Listener
}

func startWeb(cfg config.Config, store *db.Store, c client.Client, keys *secrets.Keyring, tel *telemetry.Telemetry, logger *slog.Logger) (*webServer, error) {
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	return serveWeb(l, cfg, store, c, keys, tel, logger), nil
}

// serveWeb serves the portal and the API on l. `slipway dev` listens
// before it starts the Temporal UI, which must know the codec's URL.
func serveWeb(l net.Listener, cfg config.Config, store *db.Store, c client.Client, keys *secrets.Keyring, tel *telemetry.Telemetry, logger *slog.Logger) *webServer {
	cat := newCatalog(store, c)
	runs := newSelfService(store, c, cat)
	runs.Secrets = keys
	runs.Metrics = tel.Metrics
	runs.Outbound = cfg.OutboundDeny // refuses definitions calling a literal denied address
	// One connection listens for every run's changes (runevents).
	hub := runevents.NewHub()
	listener := runevents.Listen(store.Pool.Config().ConnConfig, hub, logger)
	handler := frontend.New(frontend.Deps{
		Store:          store,
		Identity:       identity.New(store),
		SelfService:    runs,
		Catalog:        cat,
		Audit:          &audit.Log{Store: store},
		Secrets:        &secretstore.Store{DB: store, Keys: keys},
		Temporal:       temporalPinger{c},
		Logger:         logger,
		DevLogin:       cfg.DevLogin,
		OIDC:           frontendOIDC(cfg.OIDC),
		SecureCookies:  strings.HasPrefix(cfg.PublicURL, "https://"),
		SessionTTL:     cfg.SessionTTL,
		TemporalUIURL:  cfg.TemporalUIURL,
		Codec:          secrets.Codec{Keys: keys},
		RunEvents:      hub,
		LiveSafetyPoll: cfg.LiveSafetyPoll,
		Metrics:        tel.MetricsHandler(cfg.MetricsToken),

		// Links into the Temporal UI name the namespace runs live in.
		TemporalNamespace: cfg.TemporalNamespace,
	})
	srv := &http.Server{
		Handler:           tel.HTTP(handler),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Live streams last as long as their viewers: end them so Shutdown does not wait.
	srv.RegisterOnShutdown(hub.Close)
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server stopped", "err", err)
		}
	}()
	return &webServer{URL: "http://" + l.Addr().String(), Routes: handler.Routes(), srv: srv, RunEvents: hub, listener: listener}
}

// frontendOIDC hands the single sign-on settings to the portal; nil when off.
func frontendOIDC(o config.OIDC) *frontend.OIDC {
	if !o.Enabled() {
		return nil
	}
	return &frontend.OIDC{
		Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Scopes: o.Scopes, GroupsClaim: o.GroupsClaim, AdminGroup: o.AdminGroup,
	}
}

// Close drains in-flight requests for up to ten seconds.
func (w *webServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	defer w.listener.Stop()
	return w.srv.Shutdown(ctx)
}

// temporalPinger lets the readiness probe check the Temporal frontend.
type temporalPinger struct{ c client.Client }

func (p temporalPinger) Ping(ctx context.Context) error {
	_, err := p.c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
