package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/catalog"
)

// Search matches what was typed literally: % and _ are not wildcards.
func TestSearchMatchesPercentAndUnderscoreLiterally(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, e := range []catalog.Entity{
		{Blueprint: "service", Identifier: "api", Title: "API at 100% uptime"},
		{Blueprint: "service", Identifier: "api_gateway", Title: "Gateway"},
		{Blueprint: "service", Identifier: "apiXgateway", Title: "Other"},
		{Blueprint: "service", Identifier: "web", Title: "Web back\\slash"},
	} {
		f.entity(t, e)
	}
	for search, want := range map[string]string{
		"%":        "api",
		"100%":     "api",
		"api_":     "api_gateway",
		"_":        "api_gateway",
		"api%gate": "",
		"k\\s":     "web",
		"\\":       "web",
		"gateway":  "apiXgateway,api_gateway",
	} {
		es, _, err := f.svc.ListEntities(ctx, catalog.Filter{Blueprint: "service", Search: search})
		if err != nil {
			t.Fatalf("search %q: %v", search, err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Identifier)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("search %q found %v, want %q", search, got, want)
		}
	}
}

func TestListEntitiesOfAnUnknownBlueprintIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, _, err := f.svc.ListEntities(context.Background(), catalog.Filter{Blueprint: "servce"})
	if slipway.ErrorCode(err) != slipway.CodeNotFound || !strings.Contains(err.Error(), "servce") {
		t.Errorf("unknown blueprint: %v", err)
	}
	// A known blueprint without entities is an empty list.
	f.blueprint(t, `{"identifier": "empty", "schema": {"properties": {}}}`)
	if es, _, err := f.svc.ListEntities(context.Background(), catalog.Filter{Blueprint: "empty"}); err != nil || len(es) != 0 {
		t.Errorf("empty blueprint: %v %v", es, err)
	}
}

func TestUnknownPropertyNamesTheBlueprint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.svc.UpsertEntity(context.Background(), f.admin, catalog.Entity{Blueprint: "service", Identifier: "api", Properties: map[string]any{"colour": "red"}})
	msg := fields(t, err)["entity.properties.colour"]
	if msg != "is not a property of blueprint service" {
		t.Errorf("unknown property: %q (%v)", msg, err)
	}
}
