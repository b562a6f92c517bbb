package frontend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

func TestCatalogAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	ctx := context.Background()
	_, devTok, err := f.ident.CreateTokenForEmail(ctx, "dev1@example.com", "dev", 0)
	if err != nil {
		t.Fatal(err)
	}
	base := f.url + "/slipway.v1.CatalogService/"
	bp := `{"blueprint": {"identifier": "service", "title": "Service", "schema": {"properties": {"language": {"type": "string", "enum": ["go", "rust"]}}}}}`
	if status, body := testkit.PostJSON(t, base+"CreateBlueprint", devTok, bp); status != http.StatusForbidden {
		t.Errorf("member created a blueprint: %d %s", status, body)
	}
	if status, body := testkit.PostJSON(t, base+"CreateBlueprint", f.adminToken, bp); status != http.StatusOK {
		t.Fatalf("create blueprint: %d %s", status, body)
	}
	status, body := testkit.PostJSON(t, base+"UpsertEntity", devTok, `{"entity": {"blueprint": "service", "identifier": "api", "team": "payments", "properties": {"language": "cobol"}}}`)
	if status != http.StatusBadRequest || !strings.Contains(body, "entity.properties.language") {
		t.Errorf("invalid entity: %d %s", status, body)
	}
	for _, e := range []string{
		`{"entity": {"blueprint": "service", "identifier": "api", "title": "API", "team": "payments", "properties": {"language": "go"}}}`,
		`{"entity": {"blueprint": "service", "identifier": "cli", "title": "CLI", "team": "payments", "properties": {"language": "rust"}}}`,
	} {
		if status, body := testkit.PostJSON(t, base+"UpsertEntity", devTok, e); status != http.StatusOK {
			t.Fatalf("upsert: %d %s", status, body)
		}
	}
	api := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, f.url)
	props, _ := structpb.NewStruct(map[string]any{"language": "rust"})
	list, err := api.ListEntities(ctx, authed(&slipwayv1.ListEntitiesRequest{Blueprint: "service", Properties: props}, devTok))
	if err != nil || len(list.Msg.GetEntities()) != 1 || list.Msg.GetEntities()[0].AsMap()["identifier"] != "cli" {
		t.Fatalf("property filter: %v %v", list, err)
	}
	// The portal lists blueprints and searches entities.
	c := browser()
	signIn(t, f, c, "dev2@example.com")
	_, doc := getDoc(t, c, f.url+"/catalog")
	if doc.Find(`[data-testid="blueprint-service"]`).Length() != 1 {
		t.Error("catalog page does not show the blueprint")
	}
	_, doc = getDoc(t, c, f.url+"/catalog/service?q=CL")
	if rows := doc.Find(`[data-testid="entity-row"]`); rows.Length() != 1 || !strings.Contains(rows.Text(), "cli") {
		t.Errorf("search rows: %q", rows.Text())
	}

	_, err = api.DeleteBlueprint(ctx, authed(&slipwayv1.DeleteBlueprintRequest{Identifier: "service"}, f.adminToken))
	if connectCode(t, err) != connect.CodeFailedPrecondition {
		t.Errorf("deleting a blueprint with entities: %v", err)
	}
	_, err = api.GetEntity(ctx, authed(&slipwayv1.GetEntityRequest{Blueprint: "service", Identifier: "nope"}, devTok))
	if connectCode(t, err) != connect.CodeNotFound {
		t.Errorf("unknown entity: %v", err)
	}
}
