package selfservice

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// Every save of a definition (create, update, restore) writes a version in
// the same transaction, so the history is exactly the saves that
// committed. Restoring a version is a new save of its definition: checked,
// audited and versioned like any other, never a rewrite of history.

// ActionVersion is one saved version of a definition.
type ActionVersion struct {
	Version int32
	SavedAt time.Time
	// SavedBy is the author's email ("" once their account is gone).
	SavedBy, SavedByName string
	// Definition is the definition as saved (normalised JSON); only
	// ActionVersionOf fills it.
	Definition json.RawMessage
}

// maxVersionsListed bounds the history the editor lists.
const maxVersionsListed = 200

// saveVersion records stored as the next version of identifier, whose
// row tx holds.
func saveVersion(ctx context.Context, tx db.Tx, actor slipway.User, identifier string, stored []byte) error {
	_, err := tx.InsertActionVersion(ctx, queries.InsertActionVersionParams{
		ActionIdentifier: identifier, Definition: stored, SavedBy: uuid.NullUUID{UUID: actor.ID, Valid: actor.ID != uuid.Nil},
	})
	return err
}

// ActionVersions lists an action's saved versions, newest first. Admins only.
func (s *Service) ActionVersions(ctx context.Context, actor slipway.User, identifier string) ([]ActionVersion, error) {
	if err := requireAdmin(actor, "read definition history"); err != nil {
		return nil, err
	}
	rows, err := s.Store.Q.ListActionVersions(ctx, queries.ListActionVersionsParams{ActionIdentifier: identifier, MaxRows: maxVersionsListed})
	if err != nil {
		return nil, err
	}
	out := make([]ActionVersion, len(rows))
	for i, r := range rows {
		out[i] = ActionVersion{Version: r.Version, SavedAt: r.SavedAt, SavedBy: r.SavedByEmail, SavedByName: r.SavedByName}
	}
	return out, nil
}

// ActionVersionOf is one saved version of an action, with its definition.
// Admins only.
func (s *Service) ActionVersionOf(ctx context.Context, actor slipway.User, identifier string, version int32) (ActionVersion, error) {
	if err := requireAdmin(actor, "read definition history"); err != nil {
		return ActionVersion{}, err
	}
	row, err := s.Store.Q.GetActionVersion(ctx, queries.GetActionVersionParams{ActionIdentifier: identifier, Version: version})
	if err != nil {
		return ActionVersion{}, db.MapError(err, fmt.Sprintf("version %d of action %s", version, identifier))
	}
	return ActionVersion{Version: row.Version, SavedAt: row.SavedAt, Definition: row.Definition}, nil
}

// RestoreActionVersion saves version of identifier's definition again as
// its newest version (audited as "restore"), re-creating the action when
// it was deleted. The version is checked as
// any save is: a blueprint or secret it names may be gone since.
func (s *Service) RestoreActionVersion(ctx context.Context, actor slipway.User, identifier string, version int32) (ActionVersion, error) {
	v, err := s.ActionVersionOf(ctx, actor, identifier, version)
	if err != nil {
		return ActionVersion{}, err
	}
	_, err = s.GetAction(ctx, identifier)
	switch {
	case err == nil:
		_, err = s.updateAction(ctx, actor, identifier, v.Definition, "restore")
	case slipway.ErrorCode(err) == slipway.CodeNotFound: // deleted since: restoring brings it back
		_, err = s.createAction(ctx, actor, v.Definition, "restore")
	}
	if err != nil {
		return ActionVersion{}, err
	}
	return v, nil
}

// DeletedAction is an action deleted since its last save, with that
// save (its newest version).
type DeletedAction struct {
	Identifier string
	Latest     ActionVersion
}

// DeletedActions lists the actions deleted since their last save, to
// restore. Admins only.
func (s *Service) DeletedActions(ctx context.Context, actor slipway.User) ([]DeletedAction, error) {
	if err := requireAdmin(actor, "read definition history"); err != nil {
		return nil, err
	}
	rows, err := s.Store.Q.ListDeletedActions(ctx, maxVersionsListed)
	if err != nil {
		return nil, err
	}
	out := make([]DeletedAction, len(rows))
	for i, r := range rows {
		out[i] = DeletedAction{Identifier: r.ActionIdentifier, Latest: ActionVersion{Version: r.Version, SavedAt: r.SavedAt, SavedBy: r.SavedByEmail}}
	}
	return out, nil
}
