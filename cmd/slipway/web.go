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

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/frontend"
	"github.com/slipwayhq/slipway/identity"
)

// webServer is the portal and API listening on its address.
type webServer struct {
	URL string
	srv *http.Server
}

func startWeb(cfg config.Config, store *db.Store, c client.Client, logger *slog.Logger) (*webServer, error) {
	cat := newCatalog(store, c)
	handler := frontend.New(frontend.Deps{
		Store:         store,
		Identity:      identity.New(store),
		SelfService:   newSelfService(store, c, cat),
		Catalog:       cat,
		Temporal:      temporalPinger{c},
		Logger:        logger,
		DevLogin:      cfg.DevLogin,
		SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
		SessionTTL:    cfg.SessionTTL,
		TemporalUIURL: cfg.TemporalUIURL,
	})
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server stopped", "err", err)
		}
	}()
	return &webServer{URL: "http://" + l.Addr().String(), srv: srv}, nil
}

// Close drains in-flight requests for up to ten seconds.
func (w *webServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return w.srv.Shutdown(ctx)
}

// temporalPinger lets the readiness probe check the Temporal frontend.
type temporalPinger struct{ c client.Client }

func (p temporalPinger) Ping(ctx context.Context) error {
	_, err := p.c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
