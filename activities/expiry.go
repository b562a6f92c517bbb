package activities

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
)

// ExpireEntityInput names an entity whose timer passed.
type ExpireEntityInput struct {
	Blueprint, Identifier string
}

// ExpireEntity marks the entity expired and, when its blueprint names an
// expiry action, starts that action on it with origin AUTOMATION.
func (a *Activities) ExpireEntity(ctx context.Context, in ExpireEntityInput) error {
	var row queries.Entity
	err := a.Store.Change(ctx, func(tx db.Tx) error {
		var err error
		if row, err = tx.MarkEntityExpired(ctx, queries.MarkEntityExpiredParams{Blueprint: in.Blueprint, Identifier: in.Identifier}); err != nil {
			return err
		}
		return audit.Note(ctx, tx, slipway.User{}, "expire", audit.ResourceEntity, in.Blueprint+"/"+in.Identifier, nil, nil)
	})
	if err != nil {
		if slipway.ErrorCode(mapNotFound(err)) == slipway.CodeNotFound {
			return nil // deleted meanwhile: nothing to expire
		}
		return storageError("mark "+in.Blueprint+"/"+in.Identifier+" expired", err)
	}
	bpRow, err := a.Store.Q.GetBlueprint(ctx, in.Blueprint)
	if err != nil {
		return err
	}
	var bp catalog.Blueprint
	if err := json.Unmarshal(bpRow.Definition, &bp); err != nil {
		return err
	}
	if bp.ExpiryAction == "" || a.Runs == nil {
		return nil
	}
	// The run acts for whoever last wrote the entity.
	if !row.UpdatedBy.Valid {
		return fmt.Errorf("entity %s/%s has no owner to run %s for", in.Blueprint, in.Identifier, bp.ExpiryAction)
	}
	u, err := a.Store.Q.GetUser(ctx, row.UpdatedBy.UUID)
	if err != nil {
		return err
	}
	// Keyed by the expiry, so a retry of this activity never starts a second run.
	key := fmt.Sprintf("expiry/%s/%s/%d", in.Blueprint, in.Identifier, row.ExpiredAt.UnixNano())
	_, err = a.Runs.ExecuteOnce(ctx, slipway.User{ID: u.ID, Email: u.Email, Name: u.Name, Role: slipway.Role(u.Role)}, bp.ExpiryAction, in.Identifier, runs.OriginAutomation, key)
	return err
}
