package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secrets"
)

// RunRecord is a run's first row, as its starter and its workflow both
// write it (workflows.RunRecordOf derives it from the workflow's input, so
// the two writes cannot differ).
type RunRecord struct {
	RunID  string
	Action actions.Definition
	// Inputs are sealed: secret inputs are ciphertext here.
	Inputs         map[string]any
	Entity         string
	Status         string
	RequesterID    string
	RequesterEmail string
	Origin         string
	// RunToken is hashed for the row; the plaintext is never stored.
	RunToken     string
	VisibleToAll bool
	// Approvers are every stage's, who may see the run when it is not visible to all.
	Approvers []string
	// RequestHash identifies the request of a run started with an
	// idempotency key; nil otherwise.
	RequestHash []byte
	CreatedAt   time.Time
}

// RecordRun is the run workflow's first step: it writes the run's row
// unless its starter wrote it already. It is a local activity (no
// round trip through the task queue), retried until the row is written:
// the starter may have died between starting the workflow and writing the
// row, and then this write is the only one.
func (a *Activities) RecordRun(ctx context.Context, rec RunRecord) error {
	if _, _, err := InsertRun(ctx, a.Store, rec); err != nil {
		return storageError("record run "+rec.RunID, err)
	}
	return nil
}

// InsertRun writes rec as the run's row if no row has its id, and records
// the run's "execute" audit event in the same transaction: whoever writes
// the row (the starter or the workflow, whichever comes first) records the
// event, so it is recorded once, and a row never stands without it. It
// returns the row it inserted; inserted is false, with no row, when the
// other writer wrote it first.
func InsertRun(ctx context.Context, store *db.Store, rec RunRecord) (row queries.Run, inserted bool, err error) {
	id, err := uuid.Parse(rec.RunID)
	if err != nil {
		return queries.Run{}, false, malformedRunID(rec.RunID, err)
	}
	requester, err := uuid.Parse(rec.RequesterID)
	if err != nil {
		return queries.Run{}, false, fmt.Errorf("run %s: requester id %q: %w", rec.RunID, rec.RequesterID, err)
	}
	definition, err := json.Marshal(rec.Action)
	if err != nil {
		return queries.Run{}, false, err
	}
	inputs, err := json.Marshal(nonNilMap(rec.Inputs))
	if err != nil {
		return queries.Run{}, false, err
	}
	p := queries.CreateRunParams{
		ID: id, ActionIdentifier: rec.Action.Identifier, Blueprint: db.OptionalText(rec.Action.Trigger.BlueprintIdentifier),
		Entity: db.OptionalText(rec.Entity), Definition: definition, Inputs: inputs, Status: rec.Status,
		RequestedBy: requester, Origin: rec.Origin, TokenHash: identity.HashRunToken(rec.RunToken),
		VisibleToAll: rec.VisibleToAll, Approvers: nonNil(rec.Approvers), CreatedAt: &rec.CreatedAt,
		WorkflowStarted: true, RequestHash: rec.RequestHash,
	}
	started := audit.ActorEvent(ctx, slipway.User{ID: requester, Email: rec.RequesterEmail}, "execute", audit.ResourceRun, rec.RunID)
	started.Origin = rec.Origin // the run's own origin, which automation sets without a user
	started.After = map[string]any{"action": rec.Action.Identifier, "entity": rec.Entity, "inputs": secrets.MaskInputs(rec.Inputs),
		"status": rec.Status, "approvers": nonNil(rec.Approvers)}
	err = store.Change(ctx, func(tx db.Tx) error {
		row, err = tx.CreateRun(ctx, p)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // written already, by the other writer
		}
		if err != nil {
			return err
		}
		inserted = true
		return audit.Record(audit.WithRun(ctx, rec.RunID), tx, started)
	})
	if err != nil || !inserted {
		return queries.Run{}, false, err
	}
	return row, true, nil
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
