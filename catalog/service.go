package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// Service reads and writes the catalog.
type Service struct {
	Store *db.Store
	// Timers moves entity expiry timers; nil leaves timer properties inert.
	Timers TimerScheduler
}

// Every write runs in one transaction with its audit event (audit.Note on
// the same db.Tx): a write whose event PostgreSQL refuses does not happen.

// TimerScheduler keeps one durable expiry timer per entity: a zero time
// removes it.
type TimerScheduler interface {
	ScheduleExpiry(ctx context.Context, blueprint, identifier string, at time.Time) error
}

// CreateBlueprint adds a blueprint. Admins only.
func (s *Service) CreateBlueprint(ctx context.Context, actor slipway.User, raw []byte) (Blueprint, error) {
	if !actor.IsAdmin() {
		return Blueprint{}, slipway.Errorf(slipway.CodePermission, "only admins may create blueprints")
	}
	b, err := ParseBlueprint(raw)
	if err != nil {
		return b, err
	}
	def, _ := json.Marshal(b)
	return b, s.Store.Change(ctx, func(tx db.Tx) error {
		if err := checkRelationTargets(ctx, tx, b); err != nil {
			return err
		}
		if _, err := tx.CreateBlueprint(ctx, queries.CreateBlueprintParams{Identifier: b.Identifier, Definition: def}); err != nil {
			return db.MapError(err, "blueprint "+b.Identifier)
		}
		return audit.Note(ctx, tx, actor, "create", audit.ResourceBlueprint, b.Identifier, nil, json.RawMessage(def))
	})
}

// UpdateBlueprint replaces a blueprint. A schema under which existing
// entities would be invalid is refused with the offending entities, unless force.
func (s *Service) UpdateBlueprint(ctx context.Context, actor slipway.User, raw []byte, force bool) (Blueprint, error) {
	if !actor.IsAdmin() {
		return Blueprint{}, slipway.Errorf(slipway.CodePermission, "only admins may change blueprints")
	}
	b, err := ParseBlueprint(raw)
	if err != nil {
		return b, err
	}
	def, _ := json.Marshal(b)
	return b, s.Store.Change(ctx, func(tx db.Tx) error {
		// Locked: entity writes wait, so the entities checked below are
		// all there are until the new schema commits.
		before, err := tx.LockBlueprint(ctx, b.Identifier)
		if err != nil {
			return db.MapError(err, "blueprint "+b.Identifier)
		}
		if err := checkRelationTargets(ctx, tx, b); err != nil {
			return err
		}
		if !force {
			if err := checkExistingEntities(ctx, tx, b); err != nil {
				return err
			}
		}
		if _, err := tx.UpdateBlueprint(ctx, queries.UpdateBlueprintParams{Identifier: b.Identifier, Definition: def}); err != nil {
			return db.MapError(err, "blueprint "+b.Identifier)
		}
		return audit.Note(ctx, tx, actor, "update", audit.ResourceBlueprint, b.Identifier, json.RawMessage(before.Definition), json.RawMessage(def))
	})
}

func checkRelationTargets(ctx context.Context, tx db.Tx, b Blueprint) error {
	var v []slipway.Violation
	for name, r := range b.Relations {
		if r.Target == b.Identifier {
			continue
		}
		if _, err := tx.GetBlueprint(ctx, r.Target); err != nil {
			v = append(v, slipway.Violation{Field: "blueprint.relations." + name + ".target", Message: fmt.Sprintf("no blueprint %q", r.Target)})
		}
	}
	sortByField(v)
	return slipway.Invalid("blueprint", v)
}

// checkExistingEntities refuses a schema that existing entities break.
func checkExistingEntities(ctx context.Context, tx db.Tx, b Blueprint) error {
	schema, err := actions.CompileSchema(b.Schema, "blueprint "+b.Identifier)
	if err != nil {
		return err
	}
	rows, err := tx.ListAllEntitiesOfBlueprint(ctx, b.Identifier)
	if err != nil {
		return err
	}
	var offenders []string
	for _, r := range rows {
		var props map[string]any
		_ = json.Unmarshal(r.Properties, &props)
		if _, err := schema.Apply(props); err != nil {
			offenders = append(offenders, r.Identifier)
		}
	}
	if len(offenders) == 0 {
		return nil
	}
	shown := offenders
	if len(shown) > 20 {
		shown = shown[:20]
	}
	return slipway.Errorf(slipway.CodePrecondition, "%d existing entities would no longer be valid (%s); fix them first or update with force",
		len(offenders), strings.Join(shown, ", "))
}

// GetBlueprint returns a blueprint.
func (s *Service) GetBlueprint(ctx context.Context, identifier string) (Blueprint, error) {
	row, err := s.Store.Q.GetBlueprint(ctx, identifier)
	return blueprintOf(row, err, identifier)
}

// blueprintOf reads a blueprint row that a query for identifier returned.
func blueprintOf(row queries.Blueprint, err error, identifier string) (Blueprint, error) {
	if err != nil {
		return Blueprint{}, db.MapError(err, "blueprint "+identifier)
	}
	var b Blueprint
	return b, json.Unmarshal(row.Definition, &b)
}

// ListBlueprints lists every blueprint.
func (s *Service) ListBlueprints(ctx context.Context) ([]Blueprint, error) {
	rows, err := s.Store.Q.ListBlueprints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Blueprint, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r.Definition, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteBlueprint removes a blueprint that no entity or action uses.
func (s *Service) DeleteBlueprint(ctx context.Context, actor slipway.User, identifier string) error {
	if !actor.IsAdmin() {
		return slipway.Errorf(slipway.CodePermission, "only admins may delete blueprints")
	}
	return s.Store.Change(ctx, func(tx db.Tx) error {
		// Locked before counting: an entity or action being written for
		// it waits, and then finds it gone, so none is left pointing at nothing.
		before, err := tx.LockBlueprint(ctx, identifier)
		if err != nil {
			return db.MapError(err, "blueprint "+identifier)
		}
		n, err := tx.CountEntities(ctx, identifier)
		if err != nil {
			return err
		}
		a, err := tx.CountActionsOfBlueprint(ctx, &identifier)
		if err != nil {
			return err
		}
		if n > 0 || a > 0 {
			return slipway.Errorf(slipway.CodePrecondition, "blueprint %s still has %d entities and %d actions", identifier, n, a)
		}
		if _, err := tx.DeleteBlueprint(ctx, identifier); err != nil {
			return db.MapError(err, "blueprint "+identifier)
		}
		return audit.Note(ctx, tx, actor, "delete", audit.ResourceBlueprint, identifier, json.RawMessage(before.Definition), nil)
	})
}

// UpsertEntity creates or replaces an entity as actor, if the blueprint's
// permissions let them, after validating its properties against the
// blueprint schema and its relations.
func (s *Service) UpsertEntity(ctx context.Context, actor slipway.User, e Entity) (Entity, error) {
	return s.upsertEntity(ctx, actor, e, byPermissions(actor))
}

// UpsertEntityForRun is UpsertEntity on behalf of a run: the run's scope
// authorizes the write, and actor (its requester) is recorded as writer.
func (s *Service) UpsertEntityForRun(ctx context.Context, actor slipway.User, run RunScope, e Entity) (Entity, error) {
	return s.upsertEntity(ctx, actor, e, byRun(run))
}

func (s *Service) upsertEntity(ctx context.Context, actor slipway.User, e Entity, allow authorize) (Entity, error) {
	if e.Properties == nil {
		e.Properties = map[string]any{}
	}
	if e.Relations == nil {
		e.Relations = map[string]any{}
	}
	var b Blueprint
	var written Entity
	// The blueprint is held (its schema and permissions cannot change
	// meanwhile) and the entity locked while the write is authorised on
	// what it replaces, so a concurrent write cannot change its team in
	// between; someone refused learns nothing from validation.
	err := s.Store.Change(ctx, func(tx db.Tx) error {
		held, err := tx.HoldBlueprint(ctx, e.Blueprint)
		b, err = blueprintOf(held, err, e.Blueprint)
		if slipway.ErrorCode(err) == slipway.CodeNotFound {
			return slipway.FieldError("entity.blueprint", "no blueprint %q", e.Blueprint)
		}
		if err != nil {
			return err
		}
		schema, err := actions.CompileSchema(b.Schema, "blueprint "+b.Identifier)
		if err != nil {
			return err
		}
		// Defaults applied first, so that permissions compare what is stored.
		props, schemaErr := schema.Apply(e.Properties)
		if schemaErr == nil {
			e.Properties = props
		}
		before, err := lockEntity(ctx, tx, e.Blueprint, e.Identifier)
		if err != nil {
			return err
		}
		if err := allow(b, before, &e); err != nil {
			return err
		}
		if err := validateEntity(ctx, tx, b, e, schemaErr); err != nil {
			return err
		}
		row, err := writeEntity(ctx, tx, actor, e, before != nil)
		if err != nil {
			return err
		}
		written = fromRow(row)
		if at, hasTimer := expiryTime(b, e.Properties); hasTimer && at.After(time.Now()) {
			if err := tx.ClearEntityExpiry(ctx, queries.ClearEntityExpiryParams{Blueprint: e.Blueprint, Identifier: e.Identifier}); err != nil {
				return err
			}
		}
		var beforeAudit any
		if before != nil {
			beforeAudit = *before
		}
		return audit.Note(ctx, tx, actor, "upsert", audit.ResourceEntity, e.Blueprint+"/"+e.Identifier, beforeAudit, written)
	})
	if err != nil {
		return e, err
	}
	if at, hasTimer := expiryTime(b, e.Properties); hasTimer && s.Timers != nil {
		if err := s.Timers.ScheduleExpiry(ctx, e.Blueprint, e.Identifier, at); err != nil {
			return e, fmt.Errorf("schedule expiry: %w", err)
		}
	}
	return written, nil
}

// writeEntity stores e as actor: a replacement when it exists (locked),
// else a new entity.
func writeEntity(ctx context.Context, tx db.Tx, actor slipway.User, e Entity, exists bool) (queries.Entity, error) {
	propsJSON, _ := json.Marshal(e.Properties)
	relsJSON, _ := json.Marshal(e.Relations)
	params := queries.UpsertEntityParams{
		Blueprint: e.Blueprint, Identifier: e.Identifier, Title: e.Title, Icon: e.Icon, Team: db.OptionalText(e.Team),
		Properties: propsJSON, Relations: relsJSON, Actor: uuid.NullUUID{UUID: actor.ID, Valid: true},
	}
	var row queries.Entity
	var err error
	if exists {
		row, err = tx.UpsertEntity(ctx, params)
	} else {
		row, err = tx.InsertEntity(ctx, queries.InsertEntityParams(params))
	}
	if !exists && errors.Is(err, pgx.ErrNoRows) {
		return row, slipway.Errorf(slipway.CodeConflict, "entity %s/%s was registered at the same time; try again", e.Blueprint, e.Identifier)
	}
	return row, db.MapError(err, "entity "+e.Identifier)
}

// validateEntity names every bad field of e: its identifier, the schema's
// verdict on its properties (schemaErr), its relations and its team.
func validateEntity(ctx context.Context, q db.Tx, b Blueprint, e Entity, schemaErr error) error {
	var v []slipway.Violation
	if !validIdentifier(e.Identifier) {
		v = append(v, slipway.Violation{Field: "entity.identifier", Message: "is required and may hold only letters, digits and @_.+:=-"})
	}
	if schemaErr != nil {
		var se *slipway.Error
		if !errors.As(renamePrefix(schemaErr, "inputs", "entity.properties"), &se) {
			return schemaErr
		}
		v = append(v, violationsOf(se)...)
	}
	v = append(v, checkRelations(ctx, q, b, e)...)
	if e.Team != "" {
		if _, err := q.GetTeam(ctx, e.Team); err != nil {
			v = append(v, slipway.Violation{Field: "entity.team", Message: fmt.Sprintf("no team %q", e.Team)})
		}
	}
	return slipway.Invalid("entity", v)
}

// lockEntity locks and returns an entity in q's transaction; nil when
// there is none.
func lockEntity(ctx context.Context, q db.Tx, blueprint, identifier string) (*Entity, error) {
	row, err := q.LockEntity(ctx, queries.LockEntityParams{Blueprint: blueprint, Identifier: identifier})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, db.MapError(err, "entity "+blueprint+"/"+identifier)
	}
	e := fromRow(row)
	return &e, nil
}

func checkRelations(ctx context.Context, q db.Tx, b Blueprint, e Entity) []slipway.Violation {
	var v []slipway.Violation
	for name := range e.Relations {
		if _, ok := b.Relations[name]; !ok {
			v = append(v, slipway.Violation{Field: "entity.relations." + name, Message: fmt.Sprintf("blueprint %s has no relation %q", b.Identifier, name)})
		}
	}
	for name, r := range b.Relations {
		targets, err := relationTargets(e.Relations[name], r.Many)
		field := "entity.relations." + name
		switch {
		case err != nil:
			v = append(v, slipway.Violation{Field: field, Message: err.Error()})
			continue
		case len(targets) == 0 && r.Required:
			v = append(v, slipway.Violation{Field: field, Message: "is required"})
			continue
		case len(targets) == 0:
			continue
		}
		found, err := q.EntitiesExist(ctx, queries.EntitiesExistParams{Blueprint: r.Target, Identifiers: targets})
		if err != nil {
			v = append(v, slipway.Violation{Field: field, Message: "could not be checked"})
			continue
		}
		for _, t := range targets {
			if !slices.Contains(found, t) {
				v = append(v, slipway.Violation{Field: field, Message: fmt.Sprintf("no %s entity %q", r.Target, t)})
			}
		}
	}
	sortByField(v)
	return v
}

// GetEntity returns an entity.
func (s *Service) GetEntity(ctx context.Context, blueprint, identifier string) (Entity, error) {
	row, err := s.Store.Q.GetEntity(ctx, queries.GetEntityParams{Blueprint: blueprint, Identifier: identifier})
	if err != nil {
		return Entity{}, db.MapError(err, "entity "+blueprint+"/"+identifier)
	}
	return fromRow(row), nil
}

// DeleteEntity removes an entity as actor, if the blueprint's
// permissions let them.
func (s *Service) DeleteEntity(ctx context.Context, actor slipway.User, blueprint, identifier string) error {
	return s.deleteEntity(ctx, actor, blueprint, identifier, byPermissions(actor))
}

// DeleteEntityForRun is DeleteEntity on behalf of a run: the run's scope
// authorizes it. The audit log names actor, or Slipway itself when it is
// the zero user (a run's own activity).
func (s *Service) DeleteEntityForRun(ctx context.Context, actor slipway.User, run RunScope, blueprint, identifier string) error {
	return s.deleteEntity(ctx, actor, blueprint, identifier, byRun(run))
}

func (s *Service) deleteEntity(ctx context.Context, actor slipway.User, blueprint, identifier string, allow authorize) error {
	notFound := slipway.Errorf(slipway.CodeNotFound, "entity %s/%s not found", blueprint, identifier)
	err := s.Store.Change(ctx, func(tx db.Tx) error {
		held, err := tx.HoldBlueprint(ctx, blueprint)
		b, err := blueprintOf(held, err, blueprint)
		if slipway.ErrorCode(err) == slipway.CodeNotFound {
			return notFound
		}
		if err != nil {
			return err
		}
		before, err := lockEntity(ctx, tx, blueprint, identifier)
		if err != nil {
			return err
		}
		if before == nil {
			return notFound
		}
		if err := allow(b, before, nil); err != nil {
			return err
		}
		if _, err = tx.DeleteEntity(ctx, queries.DeleteEntityParams{Blueprint: blueprint, Identifier: identifier}); err != nil {
			return db.MapError(err, "entity "+blueprint+"/"+identifier)
		}
		return audit.Note(ctx, tx, actor, "delete", audit.ResourceEntity, blueprint+"/"+identifier, *before, nil)
	})
	if err != nil {
		return err
	}
	if s.Timers != nil {
		return s.Timers.ScheduleExpiry(ctx, blueprint, identifier, time.Time{})
	}
	return nil
}

// expiryTime finds the blueprint's timer property in props: ok reports
// whether the blueprint has one (a missing value gives a zero time).
func expiryTime(b Blueprint, props map[string]any) (time.Time, bool) {
	for _, name := range slices.Sorted(maps.Keys(b.Schema.Properties)) {
		if b.Schema.Properties[name]["format"] != "timer" {
			continue
		}
		s, _ := props[name].(string)
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, true
		}
		return at, true
	}
	return time.Time{}, false
}

// Filter narrows ListEntities. Empty fields are not applied.
type Filter struct {
	Blueprint string
	// Properties must all be equal (JSON containment).
	Properties map[string]any
	// Relations must all match (a target identifier per relation).
	Relations map[string]string
	Team      string
	Search    string
	// RangeKey with RangeMin and/or RangeMax filters a number property.
	RangeKey           string
	RangeMin, RangeMax *float64
	PageSize           int
	// After is the last identifier of the previous page.
	After string
}

// ListEntities returns a page of entities ordered by identifier and the
// cursor of the next page ("" when this is the last).
func (s *Service) ListEntities(ctx context.Context, f Filter) ([]Entity, string, error) {
	if f.Blueprint == "" {
		return nil, "", slipway.FieldError("blueprint", "is required")
	}
	if f.PageSize <= 0 || f.PageSize > 500 {
		f.PageSize = 100
	}
	p := queries.ListEntitiesParams{Blueprint: f.Blueprint, Team: db.OptionalText(f.Team), Search: db.OptionalText(f.Search),
		After: db.OptionalText(f.After), PageSize: int32(f.PageSize + 1)}
	if len(f.Properties) > 0 {
		p.Properties, _ = json.Marshal(f.Properties)
	}
	if len(f.Relations) > 0 {
		p.Relations, _ = json.Marshal(f.Relations)
	}
	if f.RangeKey != "" {
		if f.RangeMin == nil && f.RangeMax == nil {
			return nil, "", slipway.FieldError("range", "needs a minimum or a maximum")
		}
		p.RangeKey = &f.RangeKey
		if f.RangeMin != nil {
			p.RangeMin = pgtype.Float8{Float64: *f.RangeMin, Valid: true}
		}
		if f.RangeMax != nil {
			p.RangeMax = pgtype.Float8{Float64: *f.RangeMax, Valid: true}
		}
	}
	rows, err := s.Store.Q.ListEntities(ctx, p)
	if err != nil {
		return nil, "", err
	}
	if len(rows) == 0 {
		// Only an empty page needs telling "none match" from "no such blueprint".
		if _, err := s.GetBlueprint(ctx, f.Blueprint); err != nil {
			return nil, "", err
		}
	}
	next := ""
	if len(rows) > f.PageSize {
		rows = rows[:f.PageSize]
		next = rows[len(rows)-1].Identifier
	}
	out := make([]Entity, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, next, nil
}

func fromRow(r queries.Entity) Entity {
	e := Entity{Blueprint: r.Blueprint, Identifier: r.Identifier, Title: r.Title, Icon: r.Icon, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Team != nil {
		e.Team = *r.Team
	}
	_ = json.Unmarshal(r.Properties, &e.Properties)
	_ = json.Unmarshal(r.Relations, &e.Relations)
	if r.CreatedBy.Valid {
		e.CreatedBy = r.CreatedBy.UUID.String()
	}
	if r.UpdatedBy.Valid {
		e.UpdatedBy = r.UpdatedBy.UUID.String()
	}
	return e
}

func violationsOf(e *slipway.Error) []slipway.Violation {
	if len(e.Violations) > 0 {
		return e.Violations
	}
	return []slipway.Violation{{Field: e.Field, Message: e.Message}}
}

// sortByField orders violations by the field they name.
func sortByField(v []slipway.Violation) {
	slices.SortFunc(v, func(a, b slipway.Violation) int { return strings.Compare(a.Field, b.Field) })
}
