package demo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// Every demo definition is valid as written: a typo here would only show
// as a warning when `slipway dev` starts.
func TestDemoDefinitionsAreValid(t *testing.T) {
	for _, raw := range demoBlueprints {
		if _, err := catalog.ParseBlueprint([]byte(raw)); err != nil {
			t.Errorf("blueprint: %v\n%s", err, raw)
		}
	}
	for _, raw := range demoActions {
		d, err := actions.Parse(withBackend(raw, `http://127.0.0.1:8090`))
		if err != nil {
			t.Errorf("action: %v\n%s", err, raw)
			continue
		}
		if !strings.HasPrefix(d.InvocationMethod.URL, "http://127.0.0.1:8090/hooks/"+d.Identifier) {
			t.Errorf("action %s calls %s", d.Identifier, d.InvocationMethod.URL)
		}
	}
}

type seedFixture struct {
	opts SeedOptions
}

func newSeedFixture(t *testing.T) *seedFixture {
	t.Helper()
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := ident.UserByEmail(ctx, identity.DemoAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	cat := &catalog.Service{Store: store}
	return &seedFixture{opts: SeedOptions{
		Catalog: cat, Actions: &selfservice.Service{Store: store, Catalog: cat}, Admin: admin,
		BackendURL: "http://127.0.0.1:8090", Dir: t.TempDir(),
	}}
}

func (f *seedFixture) seed(t *testing.T) SeedReport {
	t.Helper()
	r, err := Seed(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSeedIsIdempotentAndKeepsWhatUsersChanged(t *testing.T) {
	needGit(t)
	f := newSeedFixture(t)
	ctx := context.Background()
	want := len(demoBlueprints) + len(demoActions) + len(demoEntities(""))
	if r := f.seed(t); r.Created != want || r.Updated != 0 || r.Kept != 0 {
		t.Fatalf("first seed %+v, want %d created", r, want)
	}
	e, err := f.opts.Catalog.GetEntity(ctx, "service", "payments-api")
	if err != nil || e.Team != "payments" || e.Properties["repository"] != "http://127.0.0.1:8090/repos/payments-api/" {
		t.Fatalf("seeded service %+v, %v", e, err)
	}
	if _, err := os.Stat(filepath.Join(f.opts.Dir, "repos", "payments-api", ".git")); err != nil {
		t.Errorf("the seeded service has no repository: %v", err)
	}
	if r := f.seed(t); r != (SeedReport{}) {
		t.Fatalf("second seed changed things: %+v", r)
	}

	// A user changes one action and deletes a seeded entity...
	d, _ := f.opts.Actions.GetAction(ctx, "redeploy")
	d.Title = "Ship it"
	raw := mustJSON(t, d)
	if _, err := f.opts.Actions.UpdateAction(ctx, f.opts.Admin, "redeploy", raw); err != nil {
		t.Fatal(err)
	}
	if err := f.opts.Catalog.DeleteEntity(ctx, f.opts.Admin, "cloud_resource", "payments-db"); err != nil {
		t.Fatal(err)
	}
	// ...and the backend moves: the untouched actions follow it.
	f.opts.BackendURL = "http://127.0.0.1:9999"
	r := f.seed(t)
	if r.Created != 0 || r.Kept != 1 || r.Updated != len(demoActions)-1 {
		t.Fatalf("seed after changes %+v", r)
	}
	if d, _ := f.opts.Actions.GetAction(ctx, "redeploy"); d.Title != "Ship it" || !strings.HasPrefix(d.InvocationMethod.URL, "http://127.0.0.1:8090/") {
		t.Errorf("the user's action was overwritten: %+v", d)
	}
	if d, _ := f.opts.Actions.GetAction(ctx, "scaffold_service"); d.InvocationMethod.URL != "http://127.0.0.1:9999/hooks/scaffold_service" {
		t.Errorf("untouched action calls %s", d.InvocationMethod.URL)
	}
	if _, err := f.opts.Catalog.GetEntity(ctx, "cloud_resource", "payments-db"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("a deleted demo entity came back: %v", err)
	}

	// A deleted action is missing: it comes back.
	if err := f.opts.Actions.DeleteAction(ctx, f.opts.Admin, "delete_environment"); err != nil {
		t.Fatal(err)
	}
	if r := f.seed(t); r.Created != 1 {
		t.Errorf("seed after deleting an action %+v", r)
	}
}
