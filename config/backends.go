package config

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kafka is where KAFKA actions publish their runs. Credentials are
// templates, resolved in the activity that publishes: by default they
// name the secrets KAFKA_USERNAME and KAFKA_PASSWORD, so no credential
// sits in the environment. The zero value means Kafka is not configured.
type Kafka struct {
	Brokers []string
	Topic   string
	// SASLMechanism is "", PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	SASLMechanism string
	// Username and Password are templates such as {{ .secrets.KAFKA_PASSWORD }}.
	Username, Password string
	// TLS connects with TLS; TLSCAFile, when set, holds the CA bundle
	// that verifies the brokers (else the system's roots).
	TLS       bool
	TLSCAFile string
}

// Configured reports whether brokers are set.
func (k Kafka) Configured() bool { return len(k.Brokers) > 0 }

// KafkaSASLMechanisms are the SASL mechanisms Slipway speaks.
var KafkaSASLMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// Defaults of the Kafka settings.
const (
	DefaultKafkaTopic    = "slipway-runs"
	DefaultKafkaUsername = "{{ .secrets.KAFKA_USERNAME }}"
	DefaultKafkaPassword = "{{ .secrets.KAFKA_PASSWORD }}"
)

func parseKafka(get func(name, def string) string) (Kafka, []string) {
	var errs []string
	k := Kafka{
		Topic:         get("SLIPWAY_KAFKA_TOPIC", DefaultKafkaTopic),
		SASLMechanism: strings.ToUpper(get("SLIPWAY_KAFKA_SASL_MECHANISM", "")),
		Username:      get("SLIPWAY_KAFKA_USERNAME", DefaultKafkaUsername),
		Password:      get("SLIPWAY_KAFKA_PASSWORD", DefaultKafkaPassword),
		TLSCAFile:     get("SLIPWAY_KAFKA_TLS_CA_FILE", ""),
	}
	for b := range strings.SplitSeq(get("SLIPWAY_KAFKA_BROKERS", ""), ",") {
		if b = strings.TrimSpace(b); b != "" {
			k.Brokers = append(k.Brokers, b)
		}
	}
	if k.SASLMechanism != "" && !slices.Contains(KafkaSASLMechanisms, k.SASLMechanism) {
		errs = append(errs, "SLIPWAY_KAFKA_SASL_MECHANISM: must be one of "+strings.Join(KafkaSASLMechanisms, ", "))
	}
	tls, err := strconv.ParseBool(get("SLIPWAY_KAFKA_TLS", strconv.FormatBool(k.TLSCAFile != "")))
	if err != nil {
		errs = append(errs, "SLIPWAY_KAFKA_TLS: must be true or false")
	}
	k.TLS = tls
	return k, errs
}

// GitLab is the GitLab server GITLAB actions trigger pipelines on. Tokens
// are templates resolved in the activity that calls GitLab.
type GitLab struct {
	// BaseURL is the server (https://gitlab.com, or a self-managed one).
	BaseURL string
	// Token is an access token with the api scope: it creates pipelines
	// (unless TriggerToken is set), follows them, reads job traces and
	// cancels them.
	Token string
	// TriggerToken, when set, triggers pipelines with a pipeline trigger
	// token instead of Token.
	TriggerToken string
	// PollInterval is how long a run waits between two looks at its pipeline.
	PollInterval time.Duration
	// TriggerOnly (SLIPWAY_GITLAB_FOLLOW=false) triggers with the trigger
	// token alone and does not follow: a run stays in progress until its
	// pipeline reports through the run API, as Port's GitLab pipelines do.
	TriggerOnly bool
}

// Defaults of the GitLab settings.
const (
	DefaultGitLabURL          = "https://gitlab.com"
	DefaultGitLabToken        = "{{ .secrets.GITLAB_TOKEN }}"
	DefaultGitLabPollInterval = 10 * time.Second
)

func parseGitLab(get func(name, def string) string) (GitLab, []string) {
	var errs []string
	g := GitLab{
		BaseURL:      strings.TrimRight(get("SLIPWAY_GITLAB_URL", DefaultGitLabURL), "/"),
		Token:        get("SLIPWAY_GITLAB_TOKEN", DefaultGitLabToken),
		TriggerToken: get("SLIPWAY_GITLAB_TRIGGER_TOKEN", ""),
	}
	if !strings.HasPrefix(g.BaseURL, "http://") && !strings.HasPrefix(g.BaseURL, "https://") {
		errs = append(errs, "SLIPWAY_GITLAB_URL: must be an http or https URL")
	}
	poll, err := time.ParseDuration(get("SLIPWAY_GITLAB_POLL_INTERVAL", DefaultGitLabPollInterval.String()))
	if err != nil || poll < time.Second {
		errs = append(errs, "SLIPWAY_GITLAB_POLL_INTERVAL: must be a duration of at least 1s")
	}
	g.PollInterval = poll
	follow, err := strconv.ParseBool(get("SLIPWAY_GITLAB_FOLLOW", "true"))
	switch {
	case err != nil:
		errs = append(errs, "SLIPWAY_GITLAB_FOLLOW: must be true or false")
	case !follow && g.TriggerToken == "":
		errs = append(errs, "SLIPWAY_GITLAB_FOLLOW: false needs SLIPWAY_GITLAB_TRIGGER_TOKEN (runs are then triggered without an access token)")
	}
	g.TriggerOnly = !follow
	return g, errs
}

// GitHub is the GitHub API GITHUB actions dispatch workflows on. The
// credentials are templates naming secrets, resolved in the activity that
// calls GitHub: a GitHub App's (used when all three of its secrets exist)
// or, else, a token's.
type GitHub struct {
	// APIURL is the REST API: https://api.github.com/, or a GitHub
	// Enterprise Server's https://HOST/api/v3/.
	APIURL string
	// Token is a token with Actions read and write on the repositories.
	Token string
	// AppID, InstallationID and PrivateKey (PEM) are a GitHub App's.
	AppID, InstallationID, PrivateKey string
}

// Defaults of the GitHub settings: conventional secret names, so Port's
// definitions, which name no credentials, paste unchanged.
const (
	DefaultGitHubAPIURL         = "https://api.github.com/"
	DefaultGitHubToken          = "{{ .secrets.GITHUB_TOKEN }}"
	DefaultGitHubAppID          = "{{ .secrets.GITHUB_APP_ID }}"
	DefaultGitHubInstallationID = "{{ .secrets.GITHUB_APP_INSTALLATION_ID }}"
	DefaultGitHubPrivateKey     = "{{ .secrets.GITHUB_APP_PRIVATE_KEY }}"
)

func parseGitHub(get func(name, def string) string) (GitHub, []string) {
	var errs []string
	g := GitHub{
		APIURL:         get("SLIPWAY_GITHUB_API_URL", DefaultGitHubAPIURL),
		Token:          get("SLIPWAY_GITHUB_TOKEN", DefaultGitHubToken),
		AppID:          get("SLIPWAY_GITHUB_APP_ID", DefaultGitHubAppID),
		InstallationID: get("SLIPWAY_GITHUB_APP_INSTALLATION_ID", DefaultGitHubInstallationID),
		PrivateKey:     get("SLIPWAY_GITHUB_APP_PRIVATE_KEY", DefaultGitHubPrivateKey),
	}
	if u, err := url.Parse(g.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, "SLIPWAY_GITHUB_API_URL: must be an http or https URL, e.g. https://github.example.com/api/v3/")
	}
	return g, errs
}
