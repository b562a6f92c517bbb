package frontend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// The entity page lists the run that created the entity, shows URL
// properties as links and says how long is left truthfully.
func TestEntityPageShowsItsCreatorRunLinksAndTimeLeft(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	ctx := context.Background()
	admin := f.admin(t)
	if _, err := f.catalog.CreateBlueprint(ctx, admin, []byte(`{"identifier": "environment", "title": "Environment", "schema": {"properties": {
		"dashboard": {"type": "string", "format": "url"}, "docs": {"type": "string"}, "region": {"type": "string"},
		"expires": {"type": "string", "format": "timer"}}}}`)); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	if _, err := f.catalog.UpsertEntity(ctx, admin, catalog.Entity{Blueprint: "environment", Identifier: "pr-7", Properties: map[string]any{
		"dashboard": "https://grafana.example.com/d/7", "docs": "http://docs.example.com/pr-7", "region": "eu-west-1", "expires": expires}}); err != nil {
		t.Fatal(err)
	}
	creator := pgtest.InProgressRun(t, f.store.Store, admin.ID, "create_env")
	if err := f.store.RecordAffected(ctx, creator.String(), "environment", "pr-7", "UPSERT"); err != nil {
		t.Fatal(err)
	}

	c := browser()
	signIn(t, f.fixture, c, identity.DemoAdminEmail)
	resp, doc := getDoc(t, c, f.url+"/catalog/environment/pr-7")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("entity page: %d", resp.StatusCode)
	}
	if href, _ := doc.Find(`[data-testid="entity-run"] a`).Attr("href"); href != "/runs/"+creator.String() {
		t.Errorf("entity runs link %q, want the run that created it", href)
	}
	for key, want := range map[string]string{"dashboard": "https://grafana.example.com/d/7", "docs": "http://docs.example.com/pr-7"} {
		if href, _ := doc.Find(`[data-testid="property-link-` + key + `"]`).Attr("href"); href != want {
			t.Errorf("property %s link %q, want %q", key, href, want)
		}
	}
	if n := doc.Find(`[data-testid="properties"] a`).Length(); n != 2 {
		t.Errorf("%d property links, want 2 (region and expires are text)", n)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="time-left"]`).Text()); got != "expires in 3 days" {
		t.Errorf("time left %q, want %q", got, "expires in 3 days")
	}
}

// admin is the seeded admin.
func (f selfServiceFixture) admin(t *testing.T) slipway.User {
	t.Helper()
	u, err := f.ident.UserByEmail(context.Background(), identity.DemoAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
