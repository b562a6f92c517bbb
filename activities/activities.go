// Package activities holds the side effects Slipway's workflows perform.
// Activities are methods on one struct that carries their dependencies, so
// the worker registers them all at once and tests can build it with real ones.
package activities

import (
	"context"
	"net/http"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/telemetry"
)

// Activities carries what activities need.
type Activities struct {
	Store    *db.Store
	Identity *identity.Service
	// WebhookSecret signs every backend request.
	WebhookSecret []byte
	// Secrets decrypts secret inputs for the backend call; nil fails runs
	// that have them.
	Secrets *secrets.Keyring
	// HTTP calls backends and notification webhooks: outbound.NewClient
	// with the operator's deny list. nil uses a client with sane timeouts
	// that denies nothing.
	HTTP *http.Client
	// Catalog writes entities (UPSERT_ENTITY), with expiry scheduling wired in.
	Catalog *catalog.Service
	// Runs starts expiry actions; nil expires entities without running one.
	Runs *selfservice.Service
	// PublicURL of the portal, for links in notifications.
	PublicURL string
	// Temporal looks runs' workflows up for ReconcileRuns.
	Temporal client.Client
	// Kafka is where KAFKA runs publish (unset: they fail saying so).
	Kafka config.Kafka
	// GitLab is where GITLAB runs trigger pipelines.
	GitLab config.GitLab
	// Metrics counts runs' ends (run_metrics.go); nil counts nothing.
	Metrics *telemetry.Metrics
	// GitHub is where GITHUB runs dispatch workflows (github_client.go).
	GitHub config.GitHub
}

func mapNotFound(err error) error { return db.MapError(err, "entity") }

// PurgeSessionsInput is the input of PurgeExpiredSessions.
type PurgeSessionsInput struct{}

// PurgeSessionsResult says how many sessions were deleted.
type PurgeSessionsResult struct {
	Deleted int64
}

// PurgeExpiredSessions deletes portal sessions past their expiry.
func (a *Activities) PurgeExpiredSessions(ctx context.Context, _ PurgeSessionsInput) (PurgeSessionsResult, error) {
	n, err := a.Identity.PurgeExpiredSessions(ctx)
	if err != nil {
		return PurgeSessionsResult{}, err
	}
	if n > 0 {
		activity.GetLogger(ctx).Info("purged expired sessions", "count", n)
	}
	return PurgeSessionsResult{Deleted: n}, nil
}
