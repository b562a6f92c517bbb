package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/demo"
	"github.com/slipwayhq/slipway/examples/teamworker"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// Every demo definition is valid as written: a typo here would only show
// as a warning when `slipway dev` starts.
func TestDemoDefinitionsAreValid(t *testing.T) {
	for _, raw := range demo.StarterBlueprints() {
		if _, err := catalog.ParseBlueprint(raw); err != nil {
			t.Errorf("blueprint: %v\n%s", err, raw)
		}
	}
	for _, raw := range demo.StarterActions(`http://127.0.0.1:8090`) {
		d, err := actions.Parse(raw)
		if err != nil {
			t.Errorf("action: %v\n%s", err, raw)
			continue
		}
		if d.InvocationMethod.Type == "TEMPORAL" {
			// Served by the example team's worker, on the queue it polls.
			if d.InvocationMethod.TaskQueue != teamworker.TaskQueue {
				t.Errorf("action %s names queue %s, the example team's worker polls %s", d.Identifier, d.InvocationMethod.TaskQueue, teamworker.TaskQueue)
			}
			continue
		}
		if !strings.HasPrefix(d.InvocationMethod.URL, "http://127.0.0.1:8090/hooks/"+d.Identifier) {
			t.Errorf("action %s calls %s", d.Identifier, d.InvocationMethod.URL)
		}
	}
}

type seedFixture struct {
	opts Options
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
	return &seedFixture{opts: Options{
		Catalog: cat, Actions: &selfservice.Service{Store: store, Catalog: cat}, Admin: admin,
		BackendURL: "http://127.0.0.1:8090", Dir: t.TempDir(),
	}}
}

func (f *seedFixture) seed(t *testing.T) Report {
	t.Helper()
	r, err := Seed(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSeedIsIdempotentAndKeepsWhatUsersChanged(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		testkit.Missing(t, "git", err)
	}
	f := newSeedFixture(t)
	ctx := context.Background()
	actionCount := len(demo.StarterActions(""))
	want := len(demo.StarterBlueprints()) + actionCount + len(demo.StarterEntities(""))
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
	if r := f.seed(t); r != (Report{}) {
		t.Fatalf("second seed changed things: %+v", r)
	}

	// A user changes one action and deletes a seeded entity...
	d, _ := f.opts.Actions.GetAction(ctx, "redeploy")
	d.Title = "Ship it"
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.opts.Actions.UpdateAction(ctx, f.opts.Admin, "redeploy", raw); err != nil {
		t.Fatal(err)
	}
	if err := f.opts.Catalog.DeleteEntity(ctx, f.opts.Admin, "cloud_resource", "payments-db"); err != nil {
		t.Fatal(err)
	}
	// ...and the backend moves: the untouched actions follow it.
	f.opts.BackendURL = "http://127.0.0.1:9999"
	// (check_service calls a team's worker, not the backend: it stays.)
	followers := 0
	for i, moved := range demo.StarterActions(f.opts.BackendURL) {
		if !bytes.Equal(moved, demo.StarterActions("http://127.0.0.1:8090")[i]) {
			followers++
		}
	}
	r := f.seed(t)
	if r.Created != 0 || r.Kept != 1 || r.Updated != followers-1 {
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
