package activities

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
)

// UpsertMappedEntityInput is an UPSERT_ENTITY run's work.
type UpsertMappedEntityInput struct {
	Blueprint string
	Mapping   actions.EntityMapping
	// Data is the trigger data the mapping is evaluated over.
	Data json.RawMessage
	// Requester writes the entity (created/updated by).
	Requester string
	// RunID lists the entity among the run's affected entities.
	RunID string
}

// UpsertMappedEntityResult names the entity written.
type UpsertMappedEntityResult struct {
	Identifier string
}

// ErrTypeMapping marks a mapping or validation failure: permanent.
const ErrTypeMapping = "mapping_failed"

// UpsertMappedEntity evaluates the mapping and writes the entity.
func (a *Activities) UpsertMappedEntity(ctx context.Context, in UpsertMappedEntityInput) (UpsertMappedEntityResult, error) {
	var data any
	_ = json.Unmarshal(in.Data, &data)
	mapped, err := in.Mapping.Render(ctx, data)
	if err != nil {
		return UpsertMappedEntityResult{}, temporal.NewNonRetryableApplicationError("mapping failed: "+err.Error(), ErrTypeMapping, nil)
	}
	e := catalog.Entity{Blueprint: in.Blueprint, Identifier: mapped.Identifier, Title: mapped.Title, Team: mapped.Team,
		Icon: mapped.Icon, Properties: mapped.Properties, Relations: mapped.Relations}
	actor := slipway.User{}
	if id, err := uuid.Parse(in.Requester); err == nil {
		actor.ID = id
	}
	cat := a.Catalog
	if cat == nil {
		cat = &catalog.Service{Store: a.Store}
	}
	// The run writes on its action's authority: the mapping's blueprint is
	// fixed by the definition an admin saved, and starting the run was
	// checked against the action's execute permissions.
	written, err := cat.UpsertEntityForRun(audit.WithRun(ctx, in.RunID), actor, catalog.RunScope{Blueprint: in.Blueprint}, e)
	if err != nil {
		// Entities are not scrubbed: a changed identifier or property would
		// silently write another entity than the mapping made. What the
		// database refuses for good fails the run, its label saying why.
		if code := slipway.ErrorCode(err); code == slipway.CodeInvalid || code == slipway.CodeNotFound || db.Permanent(err) {
			return UpsertMappedEntityResult{}, temporal.NewNonRetryableApplicationError("entity is not valid: "+entityProblem(err), ErrTypeMapping, nil)
		}
		return UpsertMappedEntityResult{}, err
	}
	if err := a.recordAffected(ctx, in.RunID, written.Blueprint, written.Identifier, "UPSERT"); err != nil {
		return UpsertMappedEntityResult{}, storageError("record the run's entity", err)
	}
	return UpsertMappedEntityResult{Identifier: written.Identifier}, nil
}

// entityProblem is the user's side of a refused entity: a Slipway error's
// message, or the database's verdict on its values.
func entityProblem(err error) string {
	return slipway.ErrorMessage(db.MapError(err, "a value of the entity"))
}
