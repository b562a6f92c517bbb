package catalog_test

import (
	"context"
	"testing"

	"github.com/slipwayhq/slipway/audit/audittest"
	"github.com/slipwayhq/slipway/catalog"
)

// A catalog change and its audit event commit together: when PostgreSQL
// refuses the event, the change fails and leaves nothing behind.
func TestChangesWhoseAuditEventIsRefusedDoNotHappen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.entity(t, catalog.Entity{Blueprint: "service", Identifier: "api", Properties: map[string]any{"language": "go"}})
	f.blueprint(t, `{"identifier": "spare", "title": "Spare", "schema": {"properties": {}}}`)

	allow := audittest.RefuseEvents(t, f.svc.Store)
	changes := map[string]func() error{
		"create blueprint": func() error {
			_, err := f.svc.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "team", "schema": {"properties": {}}}`))
			return err
		},
		"update blueprint": func() error {
			_, err := f.svc.UpdateBlueprint(ctx, f.admin, []byte(`{"identifier": "spare", "title": "Renamed", "schema": {"properties": {}}}`), false)
			return err
		},
		"delete blueprint": func() error { return f.svc.DeleteBlueprint(ctx, f.admin, "spare") },
		"register entity": func() error {
			_, err := f.svc.UpsertEntity(ctx, f.admin, catalog.Entity{Blueprint: "service", Identifier: "web"})
			return err
		},
		"update entity": func() error {
			_, err := f.svc.UpsertEntity(ctx, f.admin, catalog.Entity{Blueprint: "service", Identifier: "api", Properties: map[string]any{"language": "python"}})
			return err
		},
		"delete entity": func() error { return f.svc.DeleteEntity(ctx, f.admin, "service", "api") },
	}
	audittest.EachRefused(t, changes)
	allow()

	if _, err := f.svc.GetBlueprint(ctx, "team"); err == nil {
		t.Error("the blueprint created without its audit event exists")
	}
	if spare, err := f.svc.GetBlueprint(ctx, "spare"); err != nil || spare.Title != "Spare" {
		t.Errorf("spare blueprint after a refused update and delete: %+v, %v", spare, err)
	}
	if _, err := f.svc.GetEntity(ctx, "service", "web"); err == nil {
		t.Error("the entity registered without its audit event exists")
	}
	if api, err := f.svc.GetEntity(ctx, "service", "api"); err != nil || api.Properties["language"] != "go" {
		t.Errorf("entity api after a refused update and delete: %+v, %v", api, err)
	}
}
