package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/telemetry"
)

// startTelemetry sets up the process's metrics, and its tracing when an
// OTLP endpoint is configured (or a test passes spans).
func startTelemetry(ctx context.Context, service string, spans sdktrace.SpanExporter) (*telemetry.Telemetry, error) {
	tel, err := telemetry.New(ctx, telemetry.Options{Service: service, SpanExporter: spans})
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	return tel, nil
}

// closeTelemetry flushes pending spans, for up to five seconds.
func closeTelemetry(tel *telemetry.Telemetry, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Close(ctx); err != nil {
		logger.Warn("telemetry not flushed", "err", err)
	}
}

// serveMetrics serves /metrics on SLIPWAY_METRICS_ADDR, a listener of its
// own, when that is set: the worker has no other port, and operators may
// keep scrapes off the portal's. It asks for SLIPWAY_METRICS_TOKEN when
// that is set. The returned func stops it.
func serveMetrics(cfg config.Config, tel *telemetry.Telemetry, logger *slog.Logger) (func(), error) {
	if cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("metrics on %s: %w", cfg.MetricsAddr, err)
	}
	handler := tel.OpenMetricsHandler()
	if cfg.MetricsToken != "" {
		handler = tel.MetricsHandler(cfg.MetricsToken)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", "err", err)
		}
	}()
	logger.Info("metrics listening", "url", "http://"+l.Addr().String()+"/metrics", "token", cfg.MetricsToken != "")
	return func() { _ = srv.Close() }, nil
}
