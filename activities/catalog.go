package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/gen/queries"
)

// DeleteEntityInput names the entity a DELETE run removes.
type DeleteEntityInput struct {
	Blueprint, Identifier string
	// RunID lists the deletion among the run's affected entities.
	RunID string
}

// DeleteEntity removes an entity; one that is already gone is fine.
func (a *Activities) DeleteEntity(ctx context.Context, in DeleteEntityInput) error {
	cat := a.Catalog
	if cat == nil {
		cat = &catalog.Service{Store: a.Store}
	}
	// Through the catalog, so the expiry timer goes too and the audit log
	// names the run (Slipway itself as actor). A DELETE run removes its own
	// entity on the action's authority.
	own := catalog.RunScope{Blueprint: in.Blueprint, Entity: in.Identifier}
	err := cat.DeleteEntityForRun(audit.WithRun(ctx, in.RunID), slipway.User{}, own, in.Blueprint, in.Identifier)
	if err != nil && slipway.ErrorCode(err) != slipway.CodeNotFound {
		return storageError("delete entity "+in.Blueprint+"/"+in.Identifier, err)
	}
	if err := a.recordAffected(ctx, in.RunID, in.Blueprint, in.Identifier, "DELETE"); err != nil {
		return storageError("record the run's entity", err)
	}
	return nil
}

func (a *Activities) recordAffected(ctx context.Context, runID, blueprint, identifier, op string) error {
	id, err := uuid.Parse(runID)
	if err != nil {
		return nil // not on behalf of a run
	}
	return a.Store.Q.AddRunEntity(ctx, queries.AddRunEntityParams{RunID: id, Blueprint: blueprint, Identifier: identifier, Operation: op})
}
