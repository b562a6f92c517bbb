package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

// RecordRun is the run workflow's first step: it writes the run's row
// unless its starter wrote it already. It is a local activity (no
// round trip through the task queue), retried until the row is written:
// the starter may have died between starting the workflow and writing the
// row, and then this write is the only one.
func (a *Activities) RecordRun(ctx context.Context, rec runs.Record) error {
	// Nearly always the starter has written the row by now: one read says
	// so, where the insert would take a transaction to find it out.
	if id, err := uuid.Parse(rec.RunID); err == nil {
		if written, err := a.Store.Q.RunExists(ctx, id); err == nil && written {
			return nil
		}
	}
	if _, _, err := selfservice.InsertRun(ctx, a.Store, rec); err != nil {
		return storageError("record run "+rec.RunID, err)
	}
	return nil
}
