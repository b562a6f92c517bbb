package activities

import (
	"context"

	"github.com/slipwayhq/slipway/gen/queries"
)

// DeleteEntityInput names the entity a DELETE run removes.
type DeleteEntityInput struct {
	Blueprint, Identifier string
}

// DeleteEntity removes an entity; one that is already gone is fine.
func (a *Activities) DeleteEntity(ctx context.Context, in DeleteEntityInput) error {
	_, err := a.Store.Q.DeleteEntity(ctx, queries.DeleteEntityParams{Blueprint: in.Blueprint, Identifier: in.Identifier})
	return err
}
