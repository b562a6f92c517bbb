// Package config reads Slipway's configuration from environment variables.
// Every setting has a default that works for `slipway dev` on one machine;
// production deployments override them (see README "Configuration").
package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole runtime configuration of one Slipway process.
type Config struct {
	// DataDir holds everything `slipway dev` persists: the Temporal SQLite
	// file, the private PostgreSQL cluster, the dev token and secrets.
	DataDir string
	// DatabaseURL points at an existing PostgreSQL. Empty in dev mode means
	// "start a private cluster under DataDir".
	DatabaseURL string
	// PostgresPort is the port of the private cluster dev mode starts.
	PostgresPort int

	TemporalAddress   string
	TemporalNamespace string
	TemporalUIAddr    string // dev only: where the embedded Temporal Web UI listens
	// TemporalUIURL is the public URL of the Temporal Web UI, linked from the portal.
	TemporalUIURL string

	HTTPAddr string
	// PublicURL is how users reach the portal; it decides whether cookies are Secure.
	PublicURL string

	// DevLogin enables the dev login page that lets you pick a seeded user.
	DevLogin bool
	// SessionTTL is how long a portal session lasts.
	SessionTTL time.Duration

	// WebhookSecret signs backend requests (x-slipway-signature / x-port-signature).
	WebhookSecret string

	LogLevel  string
	LogFormat string // "text" or "json"
}

// Var documents one environment variable for `slipway --help` and the README.
type Var struct {
	Name, Default, Help string
}

// Vars lists every environment variable Slipway reads, in the order --help shows them.
var Vars = []Var{
	{"SLIPWAY_DATA_DIR", ".data", "folder for dev-mode state (Temporal SQLite, private PostgreSQL, dev token)"},
	{"DATABASE_URL", "", "PostgreSQL URL; unset in dev mode starts a private cluster in $SLIPWAY_DATA_DIR/postgres"},
	{"SLIPWAY_PG_PORT", "5433", "port of the private PostgreSQL cluster (dev mode)"},
	{"TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend host:port (dev mode serves it embedded)"},
	{"TEMPORAL_NAMESPACE", "default", "Temporal namespace for runs"},
	{"SLIPWAY_TEMPORAL_UI_ADDR", "127.0.0.1:8233", "where dev mode serves the Temporal Web UI"},
	{"SLIPWAY_TEMPORAL_UI_URL", "http://<SLIPWAY_TEMPORAL_UI_ADDR>", "public URL of the Temporal Web UI, linked from the portal"},
	{"SLIPWAY_HTTP_ADDR", "127.0.0.1:8080", "where the portal and the Connect API listen"},
	{"SLIPWAY_PUBLIC_URL", "http://<SLIPWAY_HTTP_ADDR>", "public URL of the portal; https makes cookies Secure"},
	{"SLIPWAY_DEV_LOGIN", "true in dev, else false", "offer the dev login page (pick a seeded user)"},
	{"SLIPWAY_SESSION_TTL", "12h", "lifetime of a portal session"},
	{"SLIPWAY_WEBHOOK_SECRET", "generated in dev ($SLIPWAY_DATA_DIR/webhook-secret)", "secret that signs backend requests; required for the worker outside dev"},
	{"SLIPWAY_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"SLIPWAY_LOG_FORMAT", "text", "text or json"},
}

// FromEnv reads the configuration. devMode changes only defaults.
func FromEnv(devMode bool) (Config, error) {
	return fromLookup(os.LookupEnv, devMode)
}

func fromLookup(lookup func(string) (string, bool), devMode bool) (Config, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	var errs []string
	c := Config{
		DataDir:           get("SLIPWAY_DATA_DIR", ".data"),
		DatabaseURL:       get("DATABASE_URL", ""),
		TemporalAddress:   get("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: get("TEMPORAL_NAMESPACE", "default"),
		TemporalUIAddr:    get("SLIPWAY_TEMPORAL_UI_ADDR", "127.0.0.1:8233"),
		HTTPAddr:          get("SLIPWAY_HTTP_ADDR", "127.0.0.1:8080"),
		LogLevel:          get("SLIPWAY_LOG_LEVEL", "info"),
		LogFormat:         get("SLIPWAY_LOG_FORMAT", "text"),
		WebhookSecret:     get("SLIPWAY_WEBHOOK_SECRET", ""),
	}
	c.TemporalUIURL = get("SLIPWAY_TEMPORAL_UI_URL", "http://"+c.TemporalUIAddr)
	c.PublicURL = strings.TrimRight(get("SLIPWAY_PUBLIC_URL", "http://"+c.HTTPAddr), "/")

	port, err := strconv.Atoi(get("SLIPWAY_PG_PORT", "5433"))
	if err != nil || port < 0 || port > 65535 {
		errs = append(errs, "SLIPWAY_PG_PORT: must be a port number")
	}
	c.PostgresPort = port

	devLogin, err := strconv.ParseBool(get("SLIPWAY_DEV_LOGIN", strconv.FormatBool(devMode)))
	if err != nil {
		errs = append(errs, "SLIPWAY_DEV_LOGIN: must be true or false")
	}
	c.DevLogin = devLogin

	ttl, err := time.ParseDuration(get("SLIPWAY_SESSION_TTL", "12h"))
	if err != nil || ttl <= 0 {
		errs = append(errs, "SLIPWAY_SESSION_TTL: must be a positive duration such as 12h")
	}
	c.SessionTTL = ttl

	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, "SLIPWAY_LOG_FORMAT: must be text or json")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, "SLIPWAY_LOG_LEVEL: must be debug, info, warn or error")
	}
	if !devMode && c.DatabaseURL == "" {
		errs = append(errs, "DATABASE_URL: required outside dev mode")
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
