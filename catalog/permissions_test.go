package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/identity"
)

// people are the demo users as catalog permissions see them: dev1 and dev2
// in team payments, approver in team platform, outsider in no team.
type people struct {
	admin, dev1, dev2, approver, outsider slipway.User
}

func newPeople(t *testing.T, f *fixture) people {
	t.Helper()
	ctx := context.Background()
	ident := identity.New(f.svc.Store)
	get := func(email string) slipway.User {
		u, err := ident.UserByEmail(ctx, email)
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		return u
	}
	if _, err := ident.UpsertUser(ctx, "outsider@example.com", "Out Sider", slipway.RoleMember); err != nil {
		t.Fatal(err)
	}
	return people{admin: f.admin, dev1: get("dev1@example.com"), dev2: get("dev2@example.com"),
		approver: get("approver@example.com"), outsider: get("outsider@example.com")}
}

// refused asserts err is a permission refusal whose message names every
// word of want and none of the data in hidden.
func refused(t *testing.T, what string, err error, want []string, hidden ...string) {
	t.Helper()
	var e *slipway.Error
	if !errors.As(err, &e) || e.Code != slipway.CodePermission {
		t.Errorf("%s: want permission denied, got %v", what, err)
		return
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("%s: message %q does not name %q", what, e.Message, w)
		}
	}
	for _, h := range hidden {
		if strings.Contains(e.Message, h) {
			t.Errorf("%s: message %q leaks %q", what, e.Message, h)
		}
	}
}

func allowed(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

func svc(id, team, language string, tier int) catalog.Entity {
	return catalog.Entity{Blueprint: "service", Identifier: id, Team: team,
		Properties: map[string]any{"language": language, "tier": tier}}
}

func deleteAs(f *fixture, u slipway.User, blueprint, id string) error {
	return f.svc.DeleteEntity(context.Background(), u, blueprint, id)
}

// With no permissions on the blueprint, admins write everything and members
// write the entities their team owns; moving an entity needs both teams.
func TestDefaultEntityPermissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := newPeople(t, f)
	ctx := context.Background()
	upsert := func(u slipway.User, e catalog.Entity) error {
		_, err := f.svc.UpsertEntity(ctx, u, e)
		return err
	}

	allowed(t, "admin registers a platform service", upsert(p.admin, svc("ledger", "platform", "python", 3)))
	allowed(t, "dev1 registers a payments service", upsert(p.dev1, svc("pay", "payments", "go", 1)))
	refused(t, "dev1 registers a platform service", upsert(p.dev1, svc("sneaky", "platform", "go", 1)), []string{"register", "sneaky"})
	refused(t, "dev1 registers a service without a team", upsert(p.dev1, svc("orphan", "", "go", 1)), []string{"register", "orphan"})
	refused(t, "outsider registers a payments service", upsert(p.outsider, svc("mine", "payments", "go", 1)), []string{"register", "mine"})

	allowed(t, "dev2 updates her team's service", upsert(p.dev2, svc("pay", "payments", "go", 2)))
	refused(t, "dev1 updates a platform service", upsert(p.dev1, svc("ledger", "platform", "go", 3)), []string{"update", "ledger"}, "python")
	// The attack of issue #8: take another team's entity by re-assigning it.
	refused(t, "dev1 moves a platform service to payments", upsert(p.dev1, svc("ledger", "payments", "python", 3)), []string{"ledger"})
	refused(t, "dev1 gives his service to platform", upsert(p.dev1, svc("pay", "platform", "go", 2)), []string{"pay", "platform"})
	refused(t, "approver takes a platform service to payments", upsert(p.approver, svc("ledger", "payments", "python", 3)), []string{"ledger", "payments"})
	if e, _ := f.svc.GetEntity(ctx, "service", "ledger"); e.Team != "platform" || e.Properties["language"] != "python" {
		t.Errorf("a refused write changed the entity: %+v", e)
	}
	allowed(t, "approver updates a platform service", upsert(p.approver, svc("ledger", "platform", "python", 2)))
	allowed(t, "admin moves a service to payments", upsert(p.admin, svc("ledger", "payments", "python", 2)))
	allowed(t, "dev1 updates the service now his team's", upsert(p.dev1, svc("ledger", "payments", "go", 2)))

	refused(t, "approver deletes a payments service", deleteAs(f, p.approver, "service", "pay"), []string{"unregister", "pay"})
	refused(t, "outsider deletes a payments service", deleteAs(f, p.outsider, "service", "pay"), []string{"unregister", "pay"})
	allowed(t, "dev1 deletes his team's service", deleteAs(f, p.dev1, "service", "pay"))
	allowed(t, "admin deletes any service", deleteAs(f, p.admin, "service", "ledger"))
	if err := deleteAs(f, p.dev1, "service", "ghost"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("deleting a missing entity: %v", err)
	}
}

// A blueprint pasted from Port with its permissions: roles in Port's case,
// a read grant, and property and relation grants that let members without
// update change just those.
func TestPortEntityPermissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := newPeople(t, f)
	ctx := context.Background()
	grant := func(roles, users, teams string, owned bool) string {
		return `{"roles": [` + roles + `], "users": [` + users + `], "teams": [` + teams + `], "ownedByTeam": ` + map[bool]string{true: "true", false: "false"}[owned] + `}`
	}
	_, err := f.svc.UpdateBlueprint(ctx, f.admin, []byte(`{"identifier": "service", "title": "Service",
	  "schema": {"properties": {"language": {"type": "string", "enum": ["go", "python"]}, "tier": {"type": "number", "minimum": 1, "maximum": 3}}},
	  "permissions": {"entities": {
	    "register": `+grant(`"Admin"`, ``, ``, false)+`,
	    "update": `+grant(`"Admin"`, `"approver@example.com"`, ``, false)+`,
	    "unregister": `+grant(`"Admin"`, ``, `"platform"`, false)+`,
	    "read": `+grant(`"Admin", "Member"`, ``, ``, false)+`,
	    "updateProperties": {"tier": `+grant(`"Member"`, ``, ``, false)+`, "$title": `+grant(``, ``, ``, true)+`},
	    "updateRelations": {}}}}`), false)
	if err != nil {
		t.Fatalf("a blueprint with Port's permissions: %v", err)
	}
	upsert := func(u slipway.User, e catalog.Entity) error {
		_, err := f.svc.UpsertEntity(ctx, u, e)
		return err
	}
	refused(t, "dev1 registers (admins only)", upsert(p.dev1, svc("api", "payments", "go", 1)), []string{"register", "api"})
	allowed(t, "admin registers", upsert(p.admin, svc("api", "payments", "go", 1)))
	allowed(t, "dev1 changes the tier (a member's property)", upsert(p.dev1, svc("api", "payments", "go", 2)))
	allowed(t, "outsider changes the tier", upsert(p.outsider, svc("api", "payments", "go", 3)))
	refused(t, "dev1 changes the language", upsert(p.dev1, svc("api", "payments", "python", 3)), []string{"language", "api"})
	refused(t, "dev1 changes the language and the tier", upsert(p.dev1, svc("api", "payments", "python", 1)), []string{"language"})
	titled := svc("api", "payments", "go", 3)
	titled.Title = "Payments API"
	allowed(t, "dev1 retitles his team's service ($title ownedByTeam)", upsert(p.dev1, titled))
	titled.Title = "Mine now"
	refused(t, "outsider retitles it", upsert(p.outsider, titled), []string{"$title", "api"})
	refused(t, "dev1 moves it (no $team grant)", upsert(p.dev1, svc("api", "platform", "go", 3)), []string{"api", "platform"})
	allowed(t, "approver changes the language (update by user)", upsert(p.approver, svc("api", "payments", "python", 3)))
	if e, _ := f.svc.GetEntity(ctx, "service", "api"); e.Title != "" || e.Properties["language"] != "python" {
		t.Errorf("entity after the writes: %+v", e) // the approver's write carried no title
	}
	refused(t, "dev1 rewrites it unchanged (nothing he may change)", upsert(p.dev1, svc("api", "payments", "python", 3)), []string{"update", "api"})
	refused(t, "dev1 deletes it", deleteAs(f, p.dev1, "service", "api"), []string{"unregister", "api"})
	allowed(t, "approver deletes it (team platform)", deleteAs(f, p.approver, "service", "api"))

	// Relation grants: members may change deps, but not service.
	f.entity(t, catalog.Entity{Blueprint: "service", Identifier: "web", Properties: map[string]any{}})
	f.entity(t, catalog.Entity{Blueprint: "service", Identifier: "db", Properties: map[string]any{}})
	_, err = f.svc.UpdateBlueprint(ctx, f.admin, []byte(`{"identifier": "environment",
	  "schema": {"properties": {"region": {"type": "string"}}, "required": ["region"]},
	  "relations": {"service": {"target": "service", "required": true}, "deps": {"target": "service", "many": true}},
	  "permissions": {"entities": {"update": {"roles": ["admin"]}, "updateRelations": {"deps": {"roles": ["member"]}}}}}`), false)
	if err != nil {
		t.Fatal(err)
	}
	env := func(service string, deps ...any) catalog.Entity {
		return catalog.Entity{Blueprint: "environment", Identifier: "prod", Team: "payments",
			Properties: map[string]any{"region": "eu"}, Relations: map[string]any{"service": service, "deps": deps}}
	}
	allowed(t, "dev1 registers an environment (default register)", upsert(p.dev1, env("web")))
	allowed(t, "dev1 changes its deps", upsert(p.dev1, env("web", "db")))
	refused(t, "dev1 changes its service", upsert(p.dev1, env("db", "db")), []string{"relation", "service", "prod"})
}

func TestBlueprintPermissionsValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "app", "schema": {"properties": {"tier": {"type": "number"}}},
	  "relations": {"owner": {"target": "service"}},
	  "permissions": {"entities": {
	    "register": {"roles": ["owner", "Member"], "users": ["bob"], "ownedByTeam": "yes", "policy": {"queries": {}}},
	    "delete": {},
	    "update": ["admin"],
	    "read": {"roles": ["Admin"]},
	    "updateProperties": {"nope": {}, "tier": {"teams": "platform"}, "$title": {}},
	    "updateRelations": {"ghost": {}, "owner": {"users": ["a@example.com"]}}},
	   "actions": {}}}`))
	got := fields(t, err)
	for _, want := range []string{
		"blueprint.permissions.entities.register.roles[0]", "blueprint.permissions.entities.register.users[0]",
		"blueprint.permissions.entities.register.ownedByTeam", "blueprint.permissions.entities.register.policy",
		"blueprint.permissions.entities.delete", "blueprint.permissions.entities.update",
		"blueprint.permissions.entities.read", "blueprint.permissions.entities.updateProperties.nope",
		"blueprint.permissions.entities.updateProperties.tier.teams", "blueprint.permissions.entities.updateRelations.ghost",
		"blueprint.permissions.actions",
	} {
		if _, ok := got[want]; !ok {
			t.Errorf("no violation for %s: %v", want, got)
		}
	}
	for _, fine := range []string{"blueprint.permissions.entities.register.roles[1]", "blueprint.permissions.entities.updateProperties.$title",
		"blueprint.permissions.entities.updateRelations.owner"} {
		if msg, ok := got[fine]; ok {
			t.Errorf("%s is valid, got %q", fine, msg)
		}
	}
	_, err = f.svc.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "app", "schema": {"properties": {}}, "permissions": "everyone"}`))
	if got := fields(t, err); got["blueprint.permissions"] == "" {
		t.Errorf("permissions that are not an object: %v", got)
	}
	_, err = f.svc.UpdateBlueprint(ctx, f.admin, []byte(`{"identifier": "service", "schema": {"properties": {}},
	  "permissions": {"entities": {"unregister": {"roles": ["moderator"]}}}}`), false)
	if got := fields(t, err); got["blueprint.permissions.entities.unregister.roles[0]"] == "" {
		t.Errorf("an update is validated too: %v", got)
	}
	b, err := f.svc.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "app", "schema": {"properties": {}},
	  "permissions": {"entities": {"register": {"roles": ["Admin"], "users": [], "teams": [], "ownedByTeam": false}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if stored, _ := f.svc.GetBlueprint(ctx, "app"); stored.Permissions == nil || stored.Permissions.Entities.Register == nil {
		t.Errorf("permissions not stored: %+v (created %+v)", stored.Permissions, b.Permissions)
	}
}

// A run writes on its own authority, not its requester's: any entity of
// its action's blueprint, and for DAY-2 and DELETE runs only its entity.
func TestRunScopedWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := newPeople(t, f)
	ctx := context.Background()
	f.entity(t, svc("ledger", "platform", "python", 3))
	f.entity(t, svc("pay", "payments", "go", 1))

	create := catalog.RunScope{Blueprint: "service"}
	_, err := f.svc.UpsertEntityForRun(ctx, p.outsider, create, svc("fresh", "platform", "go", 1))
	allowed(t, "a CREATE run registers an entity of its blueprint for a requester without rights", err)
	_, err = f.svc.UpsertEntityForRun(ctx, p.admin, create, catalog.Entity{Blueprint: "environment", Identifier: "x",
		Properties: map[string]any{"region": "eu"}, Relations: map[string]any{"service": "pay"}})
	refused(t, "a CREATE run writes another blueprint", err, []string{"environment", "x", "service"})
	refused(t, "a CREATE run deletes an entity of its blueprint", f.svc.DeleteEntityForRun(ctx, p.admin, create, "service", "ledger"),
		[]string{"service", "ledger"})
	refused(t, "a run of another blueprint deletes a service", f.svc.DeleteEntityForRun(ctx, p.admin, catalog.RunScope{Blueprint: "environment"}, "service", "pay"),
		[]string{"service", "pay"})

	day2 := catalog.RunScope{Blueprint: "service", Entity: "pay"}
	_, err = f.svc.UpsertEntityForRun(ctx, p.dev1, day2, svc("pay", "platform", "go", 2))
	allowed(t, "a DAY-2 run rewrites its entity", err)
	_, err = f.svc.UpsertEntityForRun(ctx, p.dev1, day2, svc("ledger", "payments", "go", 2))
	refused(t, "a DAY-2 run writes another entity", err, []string{"ledger", "pay"}, "python")
	refused(t, "a DAY-2 run deletes another entity", f.svc.DeleteEntityForRun(ctx, p.dev1, day2, "service", "ledger"), []string{"ledger"})
	allowed(t, "a DAY-2 run deletes its entity", f.svc.DeleteEntityForRun(ctx, p.dev1, day2, "service", "pay"))
	if _, err := f.svc.GetEntity(ctx, "service", "ledger"); err != nil {
		t.Errorf("ledger should remain: %v", err)
	}
}
