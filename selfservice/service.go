// Package selfservice is the application layer of actions and runs: it
// checks who may do what, keeps definitions in PostgreSQL and drives run
// workflows in Temporal. The Connect API and the portal both call it.
package selfservice

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/outbound"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/telemetry"
)

// Service runs self-service actions.
type Service struct {
	Store    *db.Store
	Temporal client.Client
	// Catalog resolves the entity a DAY-2 or DELETE run works on.
	Catalog *catalog.Service
	// Secrets seals secret inputs when a run starts; nil refuses to start
	// runs of actions that have them.
	Secrets *secrets.Keyring
	// Outbound is SLIPWAY_OUTBOUND_DENY: definitions whose URLs are literal
	// denied addresses are refused; nil refuses none.
	Outbound *outbound.DenyList
	// CrashPoint, when set, is called at each crash point of a run's start
	// (CrashBeforeStart...): tests stop a start there as a killed process
	// would, by panicking. nil in production.
	CrashPoint func(point string)
	// Metrics counts the runs this service starts; nil counts nothing.
	Metrics *telemetry.Metrics
}

// CreateAction stores a new definition. Admins only.
func (s *Service) CreateAction(ctx context.Context, actor slipway.User, raw []byte) (actions.Definition, error) {
	return s.createAction(ctx, actor, raw, "create")
}

// createAction is CreateAction audited as verb ("create", "restore").
func (s *Service) createAction(ctx context.Context, actor slipway.User, raw []byte, verb string) (actions.Definition, error) {
	if err := requireAdmin(actor, "create actions"); err != nil {
		return actions.Definition{}, err
	}
	d, stored, err := s.parseForStorage(raw)
	if err != nil {
		return actions.Definition{}, err
	}
	err = s.Store.Change(ctx, func(tx db.Tx) error {
		if err := checkBlueprints(ctx, tx, d); err != nil {
			return err
		}
		if err := checkSecrets(ctx, tx, d); err != nil {
			return err
		}
		_, err := tx.CreateAction(ctx, queries.CreateActionParams{
			Identifier: d.Identifier, Blueprint: optional(d.Trigger.BlueprintIdentifier),
			Operation: d.Trigger.Operation, Definition: stored, CreatedBy: uuid.NullUUID{UUID: actor.ID, Valid: true},
		})
		if err != nil {
			return db.MapError(err, "action "+d.Identifier)
		}
		if err := saveVersion(ctx, tx, actor, d.Identifier, stored); err != nil {
			return err
		}
		return audit.Note(ctx, tx, actor, verb, audit.ResourceAction, d.Identifier, nil, json.RawMessage(stored))
	})
	if err != nil {
		return actions.Definition{}, err
	}
	return d, nil
}

// UpdateAction replaces a definition. Admins only. Runs already started
// keep the definition they started with.
func (s *Service) UpdateAction(ctx context.Context, actor slipway.User, identifier string, raw []byte) (actions.Definition, error) {
	return s.updateAction(ctx, actor, identifier, raw, "update")
}

// updateAction is UpdateAction audited as verb ("update", "restore").
func (s *Service) updateAction(ctx context.Context, actor slipway.User, identifier string, raw []byte, verb string) (actions.Definition, error) {
	if err := requireAdmin(actor, "change actions"); err != nil {
		return actions.Definition{}, err
	}
	d, stored, err := s.parseForStorage(raw)
	if err != nil {
		return actions.Definition{}, err
	}
	if identifier != "" && d.Identifier != identifier {
		return actions.Definition{}, slipway.FieldError("action.identifier", "must be %q, the action being updated", identifier)
	}
	err = s.Store.Change(ctx, func(tx db.Tx) error {
		// Locked, so "before" is what this update replaces.
		before, err := tx.LockAction(ctx, d.Identifier)
		if err != nil {
			return db.MapError(err, "action "+d.Identifier)
		}
		if err := checkBlueprints(ctx, tx, d); err != nil {
			return err
		}
		if err := checkSecrets(ctx, tx, d); err != nil {
			return err
		}
		_, err = tx.UpdateAction(ctx, queries.UpdateActionParams{
			Identifier: d.Identifier, Blueprint: optional(d.Trigger.BlueprintIdentifier),
			Operation: d.Trigger.Operation, Definition: stored, UpdatedBy: uuid.NullUUID{UUID: actor.ID, Valid: true},
		})
		if err != nil {
			return db.MapError(err, "action "+d.Identifier)
		}
		if err := saveVersion(ctx, tx, actor, d.Identifier, stored); err != nil {
			return err
		}
		return audit.Note(ctx, tx, actor, verb, audit.ResourceAction, d.Identifier, json.RawMessage(before.Definition), json.RawMessage(stored))
	})
	if err != nil {
		return actions.Definition{}, err
	}
	return d, nil
}

// GetAction returns a definition.
func (s *Service) GetAction(ctx context.Context, identifier string) (actions.Definition, error) {
	row, err := s.Store.Q.GetAction(ctx, identifier)
	if err != nil {
		return actions.Definition{}, db.MapError(err, "action "+identifier)
	}
	return actions.Parse(row.Definition)
}

// ListActions lists definitions, for one blueprint when given.
func (s *Service) ListActions(ctx context.Context, blueprint string) ([]actions.Definition, error) {
	rows, err := s.Store.Q.ListActions(ctx, optional(blueprint))
	if err != nil {
		return nil, err
	}
	out := make([]actions.Definition, 0, len(rows))
	for _, r := range rows {
		d, err := actions.Parse(r.Definition)
		if err != nil {
			return nil, err // stored definitions were valid when written
		}
		out = append(out, d)
	}
	return out, nil
}

// ActionTitles are the actions' titles by identifier ("" for an action
// without one), for lists of runs.
func (s *Service) ActionTitles(ctx context.Context) (map[string]string, error) {
	rows, err := s.Store.Q.ListActionTitles(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Identifier] = r.Title
	}
	return out, nil
}

// DeleteAction removes a definition. Admins only.
func (s *Service) DeleteAction(ctx context.Context, actor slipway.User, identifier string) error {
	if err := requireAdmin(actor, "delete actions"); err != nil {
		return err
	}
	return s.Store.Change(ctx, func(tx db.Tx) error {
		before, err := tx.LockAction(ctx, identifier)
		if err != nil {
			return db.MapError(err, "action "+identifier)
		}
		if _, err := tx.DeleteAction(ctx, identifier); err != nil {
			return err
		}
		return audit.Note(ctx, tx, actor, "delete", audit.ResourceAction, identifier, json.RawMessage(before.Definition), nil)
	})
}

func (s *Service) parseForStorage(raw []byte) (actions.Definition, []byte, error) {
	d, err := actions.Parse(raw)
	if err != nil {
		return d, nil, prefixFields(err, "action.")
	}
	if err := s.checkOutbound(d); err != nil {
		return d, nil, err
	}
	stored, err := json.Marshal(d)
	return d, stored, err
}

// prefixFields makes violation paths name the request field ("action.trigger...").
func prefixFields(err error, prefix string) error {
	var e *slipway.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	if out.Field != "" && !strings.HasPrefix(out.Field, "action") {
		out.Field = prefix + out.Field
	}
	out.Violations = make([]slipway.Violation, len(e.Violations))
	for i, v := range e.Violations {
		if !strings.HasPrefix(v.Field, "action") {
			v.Field = prefix + v.Field
		}
		out.Violations[i] = v
	}
	return &out
}

func requireAdmin(u slipway.User, what string) error {
	if !u.IsAdmin() {
		return slipway.Errorf(slipway.CodePermission, "only admins may %s", what)
	}
	return nil
}

// ActionsOffered lists the DAY-2 and DELETE actions of a blueprint whose
// condition the entity (Port's JSON shape) satisfies.
func (s *Service) ActionsOffered(ctx context.Context, blueprint string, entity map[string]any) ([]actions.Definition, error) {
	defs, err := s.ListActions(ctx, blueprint)
	if err != nil {
		return nil, err
	}
	var out []actions.Definition
	for _, d := range defs {
		if d.Trigger.Operation == actions.OperationCreate {
			continue
		}
		if cond, _ := actions.ParseCondition(d.Trigger.Condition); cond.Matches(entity) {
			out = append(out, d)
		}
	}
	return out, nil
}

// optional is db.OptionalText, for the many nullable filters of this package.
func optional(s string) *string { return db.OptionalText(s) }
