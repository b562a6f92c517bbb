// Package seed writes the demo's blueprints, actions and entities into a
// Slipway that `slipway dev` starts, through its services. It is the
// demo's inside half; the backend those actions call (package demo) is the
// outside half and imports nothing of Slipway's.
package seed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/demo"
	"github.com/slipwayhq/slipway/selfservice"
)

// Options are what Seed writes with and where.
type Options struct {
	Catalog *catalog.Service
	Actions *selfservice.Service
	// Admin is who the definitions and entities are written by.
	Admin slipway.User
	// BackendURL is the demo backend the actions call.
	BackendURL string
	// Dir is the demo folder: the seed manifest and the seeded services'
	// repositories live there.
	Dir    string
	Logger *slog.Logger
}

// Report counts what Seed did.
type Report struct {
	Created, Updated int
	// Kept are definitions a user changed, left as they are.
	Kept int
}

// Seed creates the demo's blueprints, actions and entities that are
// missing. A definition the seed wrote before and nobody changed since is
// brought up to date (say, the backend moved to another address); one a user
// changed is kept. Entities are written once: deleting one keeps it deleted.
// Problems with one object do not stop the others; all are returned.
func Seed(ctx context.Context, o Options) (Report, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	path := filepath.Join(o.Dir, "seed.json")
	m, err := loadManifest(path)
	if err != nil {
		return Report{}, err
	}
	s := &seeder{Options: o, m: m}
	var errs []error
	for _, raw := range demo.StarterBlueprints() {
		errs = append(errs, s.blueprint(ctx, raw))
	}
	for _, raw := range demo.StarterActions(o.BackendURL) {
		errs = append(errs, s.action(ctx, raw))
	}
	for _, e := range demo.StarterEntities(o.BackendURL) {
		errs = append(errs, s.entity(ctx, e))
	}
	errs = append(errs, s.m.save(path))
	return s.report, errors.Join(errs...)
}

type seeder struct {
	Options
	m      manifest
	report Report
}

func (s *seeder) blueprint(ctx context.Context, raw []byte) error {
	want, err := catalog.ParseBlueprint(raw)
	if err != nil {
		return fmt.Errorf("demo blueprint is invalid: %w", err)
	}
	id := want.Identifier
	stored := func() (string, error) {
		b, err := s.Catalog.GetBlueprint(ctx, id)
		return fingerprint(b), err
	}
	have, err := stored()
	if slipway.ErrorCode(err) == slipway.CodeNotFound {
		if _, err := s.Catalog.CreateBlueprint(ctx, s.Admin, raw); err != nil {
			return fmt.Errorf("create blueprint %s: %w", id, err)
		}
		s.report.Created++
		s.Logger.Debug("demo blueprint created", "blueprint", id)
		s.m.Blueprints[id], err = stored()
		return err
	}
	if err != nil {
		return fmt.Errorf("blueprint %s: %w", id, err)
	}
	return s.reconcile("blueprint", id, have, fingerprint(want), s.m.Blueprints, func() (string, error) {
		if _, err := s.Catalog.UpdateBlueprint(ctx, s.Admin, raw, false); err != nil {
			return "", err
		}
		return stored()
	})
}

func (s *seeder) action(ctx context.Context, raw []byte) error {
	want, err := actions.Parse(raw)
	if err != nil {
		return fmt.Errorf("demo action is invalid: %w", err)
	}
	id := want.Identifier
	stored := func() (string, error) {
		d, err := s.Actions.GetAction(ctx, id)
		return fingerprint(d), err
	}
	have, err := stored()
	if slipway.ErrorCode(err) == slipway.CodeNotFound {
		if _, err := s.Actions.CreateAction(ctx, s.Admin, raw); err != nil {
			return fmt.Errorf("create action %s: %w", id, err)
		}
		s.report.Created++
		s.Logger.Debug("demo action created", "action", id)
		s.m.Actions[id], err = stored()
		return err
	}
	if err != nil {
		return fmt.Errorf("action %s: %w", id, err)
	}
	return s.reconcile("action", id, have, fingerprint(want), s.m.Actions, func() (string, error) {
		if _, err := s.Actions.UpdateAction(ctx, s.Admin, id, raw); err != nil {
			return "", err
		}
		return stored()
	})
}

// reconcile updates a stored definition to the seed's when the seed wrote
// it and nobody changed it since; seen holds the seed's fingerprints.
func (s *seeder) reconcile(kind, id, have, want string, seen map[string]string, update func() (string, error)) error {
	switch {
	case have == want:
		seen[id] = have
		return nil
	case seen[id] != have:
		s.report.Kept++
		s.Logger.Debug("demo "+kind+" changed by a user: kept as it is", kind, id)
		return nil
	}
	fp, err := update()
	if err != nil {
		return fmt.Errorf("update %s %s: %w", kind, id, err)
	}
	seen[id] = fp
	s.report.Updated++
	s.Logger.Debug("demo "+kind+" updated", kind, id)
	return nil
}

func (s *seeder) entity(ctx context.Context, se demo.StarterEntity) error {
	key := se.Blueprint + "/" + se.Identifier
	if s.m.Entities[key] {
		return nil
	}
	_, err := s.Catalog.GetEntity(ctx, se.Blueprint, se.Identifier)
	switch {
	case err == nil: // someone made it already: theirs
		s.m.Entities[key] = true
		return nil
	case slipway.ErrorCode(err) != slipway.CodeNotFound:
		return fmt.Errorf("entity %s: %w", key, err)
	}
	if _, err := s.Catalog.UpsertEntity(ctx, s.Admin, catalog.Entity{
		Blueprint: se.Blueprint, Identifier: se.Identifier, Title: se.Title, Icon: se.Icon, Team: se.Team,
		Properties: se.Properties, Relations: se.Relations,
	}); err != nil {
		return fmt.Errorf("create entity %s: %w", key, err)
	}
	s.m.Entities[key] = true
	s.report.Created++
	s.Logger.Debug("demo entity created", "entity", key)
	// Without git the demo still starts; the repository is made later by
	// the first action that needs it.
	if se.Repository {
		if err := demo.ScaffoldRepository(ctx, s.Dir, se); err != nil {
			s.Logger.Warn("demo repository not created", "service", se.Identifier, "err", err)
		}
	}
	return nil
}
