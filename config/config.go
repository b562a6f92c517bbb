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

	"github.com/slipwayhq/slipway/outbound"
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
	// LiveSafetyPoll is how often live run pages and WatchRun streams
	// re-read a run no notification woke them for (0: the frontend's
	// default). Not read from the environment: tests lengthen it to prove
	// that pushes alone deliver.
	LiveSafetyPoll time.Duration
	// OIDC is single sign-on; off unless SLIPWAY_OIDC_* is set (config/oidc.go).
	OIDC OIDC

	// WebhookSecret signs backend requests (x-slipway-signature / x-port-signature).
	WebhookSecret string

	// OutboundDeny lists the addresses backend calls and notification
	// webhooks may not connect to (SLIPWAY_OUTBOUND_DENY). Unset: link-local,
	// cloud metadata, unspecified and, outside dev, loopback; set but empty:
	// nothing is denied.
	OutboundDeny *outbound.DenyList

	// EncryptionKey (base64 of 32 bytes) encrypts secret inputs and every
	// Temporal payload; EncryptionKeysOld (comma-separated) only decrypt,
	// for data written before a key rotation. Package secrets uses them.
	EncryptionKey     string
	EncryptionKeysOld string

	// Demo makes `slipway dev` seed the demo catalog and actions and run
	// the demo backend they call.
	Demo bool
	// DemoBackendAddr is where the demo backend listens.
	DemoBackendAddr string
	// DemoBackendURL is how Slipway and browsers reach the demo backend;
	// empty means http:// plus the address it actually listens on.
	DemoBackendURL string

	// WorkflowCache is how many workflows a worker process keeps in memory
	// between their tasks (SLIPWAY_WORKFLOW_CACHE); one evicted is replayed
	// from its history at its next task.
	WorkflowCache int

	LogLevel  string
	LogFormat string // "text" or "json"

	// Kafka is where KAFKA actions publish (SLIPWAY_KAFKA_*, config/backends.go).
	Kafka Kafka
	// GitLab is where GITLAB actions run pipelines (SLIPWAY_GITLAB_*).
	GitLab GitLab
	// GitHub is where GITHUB actions dispatch workflows (SLIPWAY_GITHUB_*).
	GitHub GitHub

	// MetricsToken opens GET /metrics on the portal's port (as a bearer
	// token); unset, /metrics answers 401 to everyone there.
	MetricsToken string
	// MetricsAddr is a listener of its own serving /metrics (the worker's
	// only way to be scraped); unset, none. It asks for MetricsToken when
	// that is set, else serves anyone who reaches it: keep it private.
	MetricsAddr string
}

// DefaultWorkflowCache is SLIPWAY_WORKFLOW_CACHE's default: with it,
// 10,000 runs waiting for approval keep a worker well under 300 MB
// (BenchmarkApprovalBacklog).
const DefaultWorkflowCache = 1000

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
	{"SLIPWAY_OIDC_ISSUER", "", "OpenID Connect provider URL; turns on single sign-on (callback: $SLIPWAY_PUBLIC_URL/auth/oidc/callback)"},
	{"SLIPWAY_OIDC_CLIENT_ID", "", "client ID registered with the provider (required for single sign-on)"},
	{"SLIPWAY_OIDC_CLIENT_SECRET", "", "client secret (required for single sign-on); or SLIPWAY_OIDC_CLIENT_SECRET_FILE names a file holding it"},
	{"SLIPWAY_OIDC_CLIENT_SECRET_FILE", "", "file holding the client secret, instead of SLIPWAY_OIDC_CLIENT_SECRET"},
	{"SLIPWAY_OIDC_SCOPES", "openid email profile", "scopes asked for (space-separated); add e.g. groups if the provider needs it for the groups claim"},
	{"SLIPWAY_OIDC_GROUPS_CLAIM", "groups", "ID token claim listing the user's groups; groups equal to team identifiers become the user's teams"},
	{"SLIPWAY_OIDC_ADMIN_GROUP", "", "members of this provider group are admins, everyone else members; unset: roles are managed in Slipway"},
	{"SLIPWAY_WEBHOOK_SECRET", "generated in dev ($SLIPWAY_DATA_DIR/webhook-secret)", "secret that signs backend requests; required for the worker outside dev"},
	{"SLIPWAY_OUTBOUND_DENY", outbound.DefaultProduction + " (dev: without loopback)", "comma-separated CIDRs, IP addresses and groups (" + strings.Join(outbound.GroupNames(), ", ") + ") that backend calls and notification webhooks may not connect to; replaces the default; set but empty denies nothing"},
	{"SLIPWAY_ENCRYPTION_KEY", "generated in dev ($SLIPWAY_DATA_DIR/encryption-key)", "base64 of 32 bytes that encrypts secret inputs and Temporal payloads; required for web and worker outside dev"},
	{"SLIPWAY_ENCRYPTION_KEYS_OLD", "", "comma-separated earlier SLIPWAY_ENCRYPTION_KEYs, kept to decrypt what they encrypted"},
	{"SLIPWAY_DEMO", "true", "dev mode seeds the demo blueprints, entities and actions and runs the demo backend"},
	{"SLIPWAY_DEMO_BACKEND_ADDR", "127.0.0.1:8090", "where the demo backend listens (dev and demo-backend)"},
	{"SLIPWAY_DEMO_BACKEND_URL", "http://<SLIPWAY_DEMO_BACKEND_ADDR>", "public URL of the demo backend: the actions' webhook URLs and the links it reports"},
	{"SLIPWAY_WORKFLOW_CACHE", strconv.Itoa(DefaultWorkflowCache), "workflows a worker keeps in memory between their tasks (about 75 KB each); more use more memory, fewer replay more often"},
	{"SLIPWAY_KAFKA_BROKERS", "", "comma-separated host:port of the Kafka brokers KAFKA actions publish to; unset: KAFKA runs fail saying so"},
	{"SLIPWAY_KAFKA_TOPIC", DefaultKafkaTopic, "topic KAFKA actions publish their runs to (key: run id)"},
	{"SLIPWAY_KAFKA_SASL_MECHANISM", "", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; unset: no SASL"},
	{"SLIPWAY_KAFKA_USERNAME", DefaultKafkaUsername, "SASL user name: a template, resolved only when publishing (name a secret, never paste the value)"},
	{"SLIPWAY_KAFKA_PASSWORD", DefaultKafkaPassword, "SASL password: a template naming a secret, resolved only when publishing"},
	{"SLIPWAY_KAFKA_TLS", "false (true when SLIPWAY_KAFKA_TLS_CA_FILE is set)", "connect to the brokers with TLS"},
	{"SLIPWAY_KAFKA_TLS_CA_FILE", "", "PEM file of the CA that verifies the brokers; unset: the system's roots"},
	{"SLIPWAY_GITHUB_API_URL", DefaultGitHubAPIURL, "GitHub REST API GITHUB actions dispatch workflows on; GitHub Enterprise Server: https://HOST/api/v3/"},
	{"SLIPWAY_GITHUB_TOKEN", DefaultGitHubToken, "GitHub token (Actions read and write) that dispatches, follows and cancels workflow runs: a template naming a secret, resolved only when calling GitHub"},
	{"SLIPWAY_GITHUB_APP_ID", DefaultGitHubAppID, "a GitHub App's id, used instead of the token when the app's three secrets exist: a template naming a secret"},
	{"SLIPWAY_GITHUB_APP_INSTALLATION_ID", DefaultGitHubInstallationID, "the GitHub App's installation id: a template naming a secret"},
	{"SLIPWAY_GITHUB_APP_PRIVATE_KEY", DefaultGitHubPrivateKey, "the GitHub App's private key (PEM): a template naming a secret"},
	{"SLIPWAY_GITLAB_URL", DefaultGitLabURL, "GitLab server GITLAB actions run pipelines on (a self-managed one's URL)"},
	{"SLIPWAY_GITLAB_TOKEN", DefaultGitLabToken, "GitLab access token (api scope) that creates, follows and cancels pipelines: a template naming a secret, resolved only when calling GitLab"},
	{"SLIPWAY_GITLAB_TRIGGER_TOKEN", "", "pipeline trigger token template (e.g. {{ .secrets.GITLAB_TRIGGER_TOKEN }}); set: pipelines are triggered with it, SLIPWAY_GITLAB_TOKEN still follows them"},
	{"SLIPWAY_GITLAB_FOLLOW", "true", "GITLAB runs wait for their pipelines and end with them; false (with SLIPWAY_GITLAB_TRIGGER_TOKEN, no access token needed): runs wait for the pipeline to report through the run API"},
	{"SLIPWAY_GITLAB_POLL_INTERVAL", DefaultGitLabPollInterval.String(), "how often a GITLAB run looks at its pipeline (no worker slot is held in between)"},
	{"SLIPWAY_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"SLIPWAY_LOG_FORMAT", "text", "text or json"},
	{"SLIPWAY_METRICS_TOKEN", "generated in dev ($SLIPWAY_DATA_DIR/metrics-token)", "bearer token Prometheus presents to read /metrics on the portal's port; unset: /metrics refuses everyone there"},
	{"SLIPWAY_METRICS_ADDR", "", "host:port of a separate /metrics listener (web and worker); asks for SLIPWAY_METRICS_TOKEN when set, else open: bind it to a private address"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/gRPC collector that receives traces (API, workflows, activities, backend calls); unset: no tracing. OTEL_SERVICE_NAME and the other OTEL_EXPORTER_OTLP_* variables apply"},
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
		MetricsToken:      get("SLIPWAY_METRICS_TOKEN", ""),
		MetricsAddr:       get("SLIPWAY_METRICS_ADDR", ""),
		EncryptionKey:     get("SLIPWAY_ENCRYPTION_KEY", ""),
		EncryptionKeysOld: get("SLIPWAY_ENCRYPTION_KEYS_OLD", ""),
		DemoBackendAddr:   get("SLIPWAY_DEMO_BACKEND_ADDR", "127.0.0.1:8090"),
		DemoBackendURL:    strings.TrimRight(get("SLIPWAY_DEMO_BACKEND_URL", ""), "/"),
	}
	c.TemporalUIURL = get("SLIPWAY_TEMPORAL_UI_URL", "http://"+c.TemporalUIAddr)
	c.PublicURL = strings.TrimRight(get("SLIPWAY_PUBLIC_URL", "http://"+c.HTTPAddr), "/")
	oidc, oidcErrs := parseOIDC(get, c.PublicURL)
	c.OIDC, errs = oidc, append(errs, oidcErrs...)

	kafka, kafkaErrs := parseKafka(get)
	c.Kafka, errs = kafka, append(errs, kafkaErrs...)
	gitlab, gitlabErrs := parseGitLab(get)
	c.GitLab, errs = gitlab, append(errs, gitlabErrs...)
	github, githubErrs := parseGitHub(get)
	c.GitHub, errs = github, append(errs, githubErrs...)

	port, err := strconv.Atoi(get("SLIPWAY_PG_PORT", "5433"))
	if err != nil || port < 0 || port > 65535 {
		errs = append(errs, "SLIPWAY_PG_PORT: must be a port number")
	}
	c.PostgresPort = port

	c.OutboundDeny, err = outboundDeny(lookup, devMode)
	if err != nil {
		errs = append(errs, "SLIPWAY_OUTBOUND_DENY: "+err.Error())
	}

	devLogin, err := strconv.ParseBool(get("SLIPWAY_DEV_LOGIN", strconv.FormatBool(devMode)))
	if err != nil {
		errs = append(errs, "SLIPWAY_DEV_LOGIN: must be true or false")
	}
	c.DevLogin = devLogin

	demo, err := strconv.ParseBool(get("SLIPWAY_DEMO", "true"))
	if err != nil {
		errs = append(errs, "SLIPWAY_DEMO: must be true or false")
	}
	c.Demo = demo

	ttl, err := time.ParseDuration(get("SLIPWAY_SESSION_TTL", "12h"))
	if err != nil || ttl <= 0 {
		errs = append(errs, "SLIPWAY_SESSION_TTL: must be a positive duration such as 12h")
	}
	c.SessionTTL = ttl

	cache, err := strconv.Atoi(get("SLIPWAY_WORKFLOW_CACHE", strconv.Itoa(DefaultWorkflowCache)))
	if err != nil || cache < 1 {
		errs = append(errs, "SLIPWAY_WORKFLOW_CACHE: must be a positive number of workflows")
	}
	c.WorkflowCache = cache

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

// outboundDeny reads SLIPWAY_OUTBOUND_DENY. Unlike other settings, set but
// empty is a value (deny nothing), not "use the default".
func outboundDeny(lookup func(string) (string, bool), devMode bool) (*outbound.DenyList, error) {
	spec, ok := lookup("SLIPWAY_OUTBOUND_DENY")
	if !ok {
		spec = outbound.DefaultProduction
		if devMode {
			spec = outbound.DefaultDev
		}
	}
	return outbound.Parse(spec)
}
