package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

type fixture struct {
	svc   *catalog.Service
	admin slipway.User
	dev   slipway.User
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	admin, _ := ident.UserByEmail(ctx, identity.DemoAdminEmail)
	dev, _ := ident.UserByEmail(ctx, "dev1@example.com")
	f := &fixture{svc: &catalog.Service{Store: store}, admin: admin, dev: dev}
	f.blueprint(t, `{"identifier": "service", "title": "Service", "schema": {"properties": {
	  "language": {"type": "string", "enum": ["go", "python"]}, "tier": {"type": "number", "minimum": 1, "maximum": 3}}}}`)
	f.blueprint(t, `{"identifier": "environment", "title": "Environment",
	  "schema": {"properties": {"replicas": {"type": "number", "minimum": 0}, "expires": {"type": "string", "format": "timer"},
	    "region": {"type": "string"}}, "required": ["region"]},
	  "relations": {"service": {"target": "service", "required": true}, "deps": {"target": "service", "many": true}}}`)
	return f
}

func (f *fixture) blueprint(t testing.TB, raw string) {
	t.Helper()
	if _, err := f.svc.CreateBlueprint(context.Background(), f.admin, []byte(raw)); err != nil {
		t.Fatalf("blueprint: %v", err)
	}
}

func (f *fixture) entity(t testing.TB, e catalog.Entity) catalog.Entity {
	t.Helper()
	out, err := f.svc.UpsertEntity(context.Background(), f.admin, e)
	if err != nil {
		t.Fatalf("entity %s: %v", e.Identifier, err)
	}
	return out
}

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *slipway.Error
	if !errors.As(err, &e) || e.Code != slipway.CodeInvalid {
		t.Fatalf("want an invalid error, got %v", err)
	}
	out := map[string]string{}
	for _, v := range e.Violations {
		out[v.Field] = v.Message
	}
	if e.Field != "" {
		out[e.Field] = e.Message
	}
	return out
}

func TestBlueprintValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateBlueprint(ctx, f.dev, []byte(`{"identifier":"x","schema":{"properties":{}}}`)); slipway.ErrorCode(err) != slipway.CodePermission {
		t.Errorf("member created a blueprint: %v", err)
	}
	_, err := f.svc.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "bad id", "schema": {"properties": {"a": {"type": "text"}, "b": {"type": "string", "format": "timer"}}},
	  "relations": {"r": {"target": ""}}}`))
	got := fields(t, err)
	for _, want := range []string{"blueprint.identifier", "blueprint.schema.properties.a.type", "blueprint.relations.r.target"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no violation for %s: %v", want, got)
		}
	}
	if _, ok := got["blueprint.schema.properties.b.format"]; ok {
		t.Error("timer is a valid blueprint format")
	}
	_, err = f.svc.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "y", "schema": {"properties": {}}, "relations": {"r": {"target": "nope"}}}`))
	if got := fields(t, err); got["blueprint.relations.r.target"] == "" {
		t.Errorf("unknown relation target: %v", got)
	}
	if _, err := f.svc.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "service", "schema": {"properties": {}}}`)); slipway.ErrorCode(err) != slipway.CodeConflict {
		t.Errorf("duplicate blueprint: %v", err)
	}
}

func TestEntityValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.entity(t, catalog.Entity{Blueprint: "service", Identifier: "api", Title: "API", Properties: map[string]any{"language": "go"}})

	_, err := f.svc.UpsertEntity(ctx, f.admin, catalog.Entity{Blueprint: "environment", Identifier: "",
		Properties: map[string]any{"replicas": -1, "colour": "red"},
		Relations:  map[string]any{"deps": "api", "unknown": "x"}, Team: "ghosts"})
	got := fields(t, err)
	for _, want := range []string{"entity.identifier", "entity.properties.replicas", "entity.properties.colour", "entity.properties.region",
		"entity.relations.service", "entity.relations.deps", "entity.relations.unknown", "entity.team"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no violation for %s: %v", want, got)
		}
	}
	// Entity properties are worded as forms are (actions/schema_messages.go).
	if got["entity.properties.replicas"] != "must be at least 0" || got["entity.properties.region"] != "is required" {
		t.Errorf("property messages in people's words: %v", got)
	}
	_, err = f.svc.UpsertEntity(ctx, f.admin, catalog.Entity{Blueprint: "environment", Identifier: "dev",
		Properties: map[string]any{"region": "eu"}, Relations: map[string]any{"service": "missing"}})
	if got := fields(t, err); !strings.Contains(got["entity.relations.service"], "missing") {
		t.Errorf("missing relation target: %v", got)
	}
	e := f.entity(t, catalog.Entity{Blueprint: "environment", Identifier: "dev", Team: "payments",
		Properties: map[string]any{"region": "eu", "replicas": 2}, Relations: map[string]any{"service": "api", "deps": []any{"api"}}})
	if e.Team != "payments" || e.Properties["replicas"] != float64(2) || e.CreatedBy != f.admin.ID.String() {
		t.Errorf("stored %+v", e)
	}
	if _, err := f.svc.UpsertEntity(ctx, f.dev, catalog.Entity{Blueprint: "nope", Identifier: "x"}); fields(t, err)["entity.blueprint"] == "" {
		t.Error("unknown blueprint not named")
	}
}

func TestSchemaChangesAndDeletes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.entity(t, catalog.Entity{Blueprint: "service", Identifier: "api", Properties: map[string]any{"tier": 3}})
	stricter := `{"identifier": "service", "schema": {"properties": {"tier": {"type": "number", "maximum": 2}}}}`
	_, err := f.svc.UpdateBlueprint(ctx, f.admin, []byte(stricter), false)
	if slipway.ErrorCode(err) != slipway.CodePrecondition || !strings.Contains(err.Error(), "api") {
		t.Fatalf("breaking schema change: %v", err)
	}
	if _, err := f.svc.UpdateBlueprint(ctx, f.admin, []byte(stricter), true); err != nil {
		t.Fatalf("forced schema change: %v", err)
	}
	if err := f.svc.DeleteBlueprint(ctx, f.admin, "service"); slipway.ErrorCode(err) != slipway.CodePrecondition {
		t.Errorf("deleting a blueprint with entities: %v", err)
	}
	if err := f.svc.DeleteEntity(ctx, f.admin, "service", "api"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetEntity(ctx, "service", "api"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("deleted entity: %v", err)
	}
	if err := f.svc.DeleteBlueprint(ctx, f.admin, "environment"); err != nil {
		t.Fatalf("delete an empty blueprint: %v", err)
	}
}

func TestListEntitiesFiltersAndPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.entity(t, catalog.Entity{Blueprint: "service", Identifier: "api"})
	f.entity(t, catalog.Entity{Blueprint: "service", Identifier: "web"})
	for i := range 25 {
		team := "payments"
		if i%2 == 1 {
			team = "platform"
		}
		svc := "api"
		if i%5 == 0 {
			svc = "web"
		}
		f.entity(t, catalog.Entity{Blueprint: "environment", Identifier: fmt.Sprintf("env-%02d", i), Title: fmt.Sprintf("Environment %d", i), Team: team,
			Properties: map[string]any{"region": []string{"eu", "us"}[i%2], "replicas": i},
			Relations:  map[string]any{"service": svc}})
	}
	ids := func(es []catalog.Entity) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Identifier)
		}
		return strings.Join(out, ",")
	}
	list := func(fl catalog.Filter) []catalog.Entity {
		t.Helper()
		fl.Blueprint = "environment"
		es, _, err := f.svc.ListEntities(ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	if got := len(list(catalog.Filter{Properties: map[string]any{"region": "us"}})); got != 12 {
		t.Errorf("region=us: %d", got)
	}
	if got := ids(list(catalog.Filter{Properties: map[string]any{"region": "eu", "replicas": 4}})); got != "env-04" {
		t.Errorf("two properties: %s", got)
	}
	if got := len(list(catalog.Filter{Relations: map[string]string{"service": "web"}})); got != 5 {
		t.Errorf("relation service=web: %d", got)
	}
	if got := len(list(catalog.Filter{Team: "platform"})); got != 12 {
		t.Errorf("team: %d", got)
	}
	lo, hi := 10.0, 12.0
	if got := ids(list(catalog.Filter{RangeKey: "replicas", RangeMin: &lo, RangeMax: &hi})); got != "env-10,env-11,env-12" {
		t.Errorf("range: %s", got)
	}
	if got := ids(list(catalog.Filter{Search: "ironment 2"})); got != "env-02,env-20,env-21,env-22,env-23,env-24" {
		t.Errorf("search: %s", got)
	}
	if got := ids(list(catalog.Filter{Search: "ENV-07"})); got != "env-07" {
		t.Errorf("case-insensitive search on identifier: %s", got)
	}
	// Keyset pagination visits every entity once, in order.
	var seen []string
	after := ""
	for page := 0; ; page++ {
		es, next, err := f.svc.ListEntities(ctx, catalog.Filter{Blueprint: "environment", PageSize: 10, After: after})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, strings.Split(ids(es), ",")...)
		if next == "" {
			break
		}
		after = next
		if page > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 25 || seen[0] != "env-00" || seen[24] != "env-24" {
		t.Errorf("pages: %v", seen)
	}
	if _, _, err := f.svc.ListEntities(ctx, catalog.Filter{}); fields(t, err)["blueprint"] == "" {
		t.Error("a blueprint is required")
	}
}
