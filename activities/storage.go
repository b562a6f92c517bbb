package activities

import (
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
)

// ErrTypeStorageRefused marks a write PostgreSQL refuses for good (db.Permanent):
// retrying the same statement cannot succeed, so the activity ends
// non-retryable and the workflow shows why instead of retrying for ever.
const ErrTypeStorageRefused = "storage_refused"

// storageError wraps a failed write of what: permanent errors (the
// database's, or a Slipway error saying a value is invalid, which is how
// db.MapError reports them) end the activity at once; the others are
// retried by Temporal.
func storageError(what string, err error) error {
	if db.Permanent(err) || slipway.ErrorCode(err) == slipway.CodeInvalid {
		return temporal.NewNonRetryableApplicationError(what+" refused by the database: "+err.Error(), ErrTypeStorageRefused, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// malformedRunID ends an activity given a run id that no row can have.
func malformedRunID(runID string, err error) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("run id %q: %v", runID, err), ErrTypeStorageRefused, err)
}
