package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBackendDefaultsNameSecretsNotValues(t *testing.T) {
	c, err := fromLookup(lookupFrom(nil), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kafka.Configured() || c.Kafka.Topic != "slipway-runs" || c.Kafka.Password != "{{ .secrets.KAFKA_PASSWORD }}" || c.Kafka.TLS {
		t.Errorf("kafka defaults: %+v", c.Kafka)
	}
	if c.GitLab.BaseURL != "https://gitlab.com" || c.GitLab.Token != "{{ .secrets.GITLAB_TOKEN }}" || c.GitLab.TriggerToken != "" || c.GitLab.PollInterval != 10*time.Second || c.GitLab.TriggerOnly {
		t.Errorf("gitlab defaults: %+v", c.GitLab)
	}
}

func TestBackendSettingsAreRead(t *testing.T) {
	c, err := fromLookup(lookupFrom(map[string]string{
		"SLIPWAY_KAFKA_BROKERS": " k1:9092, k2:9092 ,", "SLIPWAY_KAFKA_SASL_MECHANISM": "scram-sha-512",
		"SLIPWAY_KAFKA_TLS_CA_FILE": "/etc/ca.pem",
		"SLIPWAY_GITLAB_URL":        "https://git.example.com/", "SLIPWAY_GITLAB_POLL_INTERVAL": "2s",
	}), true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Kafka.Brokers, []string{"k1:9092", "k2:9092"}) || c.Kafka.SASLMechanism != "SCRAM-SHA-512" || !c.Kafka.TLS {
		t.Errorf("kafka: %+v", c.Kafka)
	}
	if c.GitLab.BaseURL != "https://git.example.com" || c.GitLab.PollInterval != 2*time.Second {
		t.Errorf("gitlab: %+v", c.GitLab)
	}
}

func TestBadBackendSettingsAreNamed(t *testing.T) {
	_, err := fromLookup(lookupFrom(map[string]string{
		"SLIPWAY_KAFKA_SASL_MECHANISM": "GSSAPI", "SLIPWAY_KAFKA_TLS": "perhaps",
		"SLIPWAY_GITLAB_URL": "gitlab.example.com", "SLIPWAY_GITLAB_POLL_INTERVAL": "10ms", "SLIPWAY_GITLAB_FOLLOW": "false",
	}), true)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"SLIPWAY_KAFKA_SASL_MECHANISM", "SLIPWAY_KAFKA_TLS", "SLIPWAY_GITLAB_URL", "SLIPWAY_GITLAB_POLL_INTERVAL", "SLIPWAY_GITLAB_FOLLOW"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

// GitHub's defaults name the conventional secrets; the API URL is checked.
func TestGitHubSettings(t *testing.T) {
	c, err := fromLookup(lookupFrom(map[string]string{"SLIPWAY_GITHUB_API_URL": "https://ghe.example.com/api/v3/", "SLIPWAY_GITHUB_TOKEN": "{{ .secrets.CI_GITHUB }}"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.GitHub.APIURL != "https://ghe.example.com/api/v3/" || c.GitHub.Token != "{{ .secrets.CI_GITHUB }}" || c.GitHub.AppID != "{{ .secrets.GITHUB_APP_ID }}" ||
		c.GitHub.PrivateKey != "{{ .secrets.GITHUB_APP_PRIVATE_KEY }}" {
		t.Errorf("github: %+v", c.GitHub)
	}
	if _, err := fromLookup(lookupFrom(map[string]string{"SLIPWAY_GITHUB_API_URL": "ghe.example.com"}), true); err == nil || !strings.Contains(err.Error(), "SLIPWAY_GITHUB_API_URL") {
		t.Errorf("bad URL: %v", err)
	}
}
