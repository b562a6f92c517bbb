package selfservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runevents"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
)

// The writes of a run's row that happen outside its workflow's saves: its
// first row, written by its starter and by the workflow's first step
// (activities.RecordRun), and the end of a run whose workflow is lost,
// written here and by the reconciler (activities.ReconcileRuns).

// InsertRun writes rec as the run's row if no row has its id, and records
// the run's "execute" audit event in the same transaction: whoever writes
// the row (the starter or the workflow, whichever comes first) records the
// event, so it is recorded once, and a row never stands without it. It
// returns the row it inserted; inserted is false, with no row, when the
// other writer wrote it first.
func InsertRun(ctx context.Context, store *db.Store, rec runs.Record) (row queries.Run, inserted bool, err error) {
	id, err := uuid.Parse(rec.RunID)
	if err != nil {
		return queries.Run{}, false, slipway.FieldError("run_id", "%q is not a run id (UUID): %v", rec.RunID, err)
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
		VisibleToAll: rec.VisibleToAll, Approvers: db.TextList(rec.Approvers), StageApprovers: db.TextList(rec.StageApprovers), CreatedAt: &rec.CreatedAt,
		WorkflowStarted: true, RequestHash: rec.RequestHash,
	}
	started := audit.ActorEvent(ctx, slipway.User{ID: requester, Email: rec.RequesterEmail}, "execute", audit.ResourceRun, rec.RunID)
	started.Origin = rec.Origin // the run's own origin, which automation sets without a user
	started.After = map[string]any{"action": rec.Action.Identifier, "entity": rec.Entity, "inputs": secrets.MaskInputs(rec.Inputs),
		"status": rec.Status, "approvers": db.TextList(rec.Approvers)}
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

// finalVersion is the version of a row ended without its workflow: above
// any a workflow writes (it counts its changes from 1), so no late save of
// a workflow that turns up after all overwrites the end.
const finalVersion = 1 << 62

// EndRunWithoutWorkflow gives the row of a run whose workflow does not
// exist its final state (no workflow will ever write one) and returns the
// row; ended is false when the row had ended already. The same
// transaction records the end in the audit log with by as its actor
// (zero: Slipway), after the events the end stands for (a user's cancel).
func EndRunWithoutWorkflow(ctx context.Context, store *db.Store, by slipway.User, id uuid.UUID, status runs.Status, label string, causes ...audit.Event) (row queries.Run, ended bool, err error) {
	ctx = audit.WithRun(ctx, id.String())
	err = store.Change(ctx, func(tx db.Tx) error {
		row, err = tx.EndRunWithoutWorkflow(ctx, queries.EndRunWithoutWorkflowParams{ID: id, Status: status, StatusLabel: db.ScrubText(label, db.MaxText), FinalVersion: finalVersion})
		if errors.Is(err, pgx.ErrNoRows) {
			row, err = tx.GetRun(ctx, id)
			return err
		}
		if err != nil {
			return err
		}
		ended = true
		// Nothing waits for approvers now: their "approval needed" notices clear.
		if _, err := tx.ClearDecidedApprovalNotices(ctx, id); err != nil {
			return err
		}
		for _, e := range causes {
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
		}
		return audit.Note(ctx, tx, by, "end", audit.ResourceRun, id.String(), nil, map[string]any{"status": status, "statusLabel": row.StatusLabel})
	})
	if err != nil || !ended {
		return row, false, err
	}
	// Open pages of the run learn it has ended (or at their next safety poll).
	runevents.Announce(ctx, store.Pool, id.String(), runevents.Change{State: true})
	return row, true, nil
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
