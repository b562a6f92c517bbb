package selfservice

// Catalog writes on behalf of a run: who they are made for and what they may
// touch.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
)

// WriterForRun checks that who may write catalog entities on behalf of run
// id, which must be in progress, and returns the user the writes are made
// for (its requester, recorded as writer and in the audit log) and what the
// run may write: entities of its action's blueprint, and for DAY-2 and
// DELETE runs only its own entity. Within that scope the run's authority
// is the action's, not the requester's catalog rights (see catalog.RunScope).
func (s *Service) WriterForRun(ctx context.Context, who Reporter, id string) (slipway.User, catalog.RunScope, error) {
	if err := who.mayReportOn(id); err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	run, err := s.Get(ctx, id)
	if err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	if run.Status != runs.StatusInProgress {
		return slipway.User{}, catalog.RunScope{}, slipway.Errorf(slipway.CodePrecondition, "run %s is %s: entities are written on behalf of a run only while it is IN_PROGRESS", id, run.Status)
	}
	scope, err := s.runScope(ctx, id)
	if err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	u, err := s.Store.Q.GetUser(ctx, run.RequestedBy)
	if err != nil {
		return slipway.User{}, catalog.RunScope{}, err
	}
	return slipway.User{ID: u.ID, Email: u.Email, Name: u.Name, Role: slipway.Role(u.Role)}, scope, nil
}

// runScope is what run id may write, from the definition it started with.
func (s *Service) runScope(ctx context.Context, id string) (catalog.RunScope, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return catalog.RunScope{}, err
	}
	var d struct {
		Trigger struct {
			Operation           string `json:"operation"`
			BlueprintIdentifier string `json:"blueprintIdentifier"`
		} `json:"trigger"`
	}
	if err := json.Unmarshal(row.Definition, &d); err != nil {
		return catalog.RunScope{}, fmt.Errorf("run %s: stored definition: %w", id, err)
	}
	scope := catalog.RunScope{Blueprint: d.Trigger.BlueprintIdentifier}
	if d.Trigger.Operation != actions.OperationCreate {
		scope.Entity = fromRow(row).Entity
		if scope.Entity == "" {
			// A DAY-2 or DELETE run always has an entity; never widen to the blueprint.
			return catalog.RunScope{}, slipway.Errorf(slipway.CodePermission, "run %s has no entity, so it may write none", id)
		}
	}
	return scope, nil
}

// RecordAffected lists an entity among those a run wrote.
func (s *Service) RecordAffected(ctx context.Context, id, blueprint, identifier, operation string) error {
	runID, err := uuid.Parse(id)
	if err != nil {
		return slipway.FieldError("run_id", "must be a run id (UUID)")
	}
	return s.Store.Q.AddRunEntity(ctx, queries.AddRunEntityParams{RunID: runID, Blueprint: blueprint, Identifier: identifier, Operation: operation})
}
