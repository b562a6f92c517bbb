package selfservice_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// TestMain (pgtest.Run) is in logs_test.go; it serves this package too.

type fixture struct {
	svc        *selfservice.Service
	admin, dev slipway.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(t)
	f := &fixture{svc: &selfservice.Service{Store: store, Catalog: &catalog.Service{Store: store}}}
	f.admin = pgtest.MustUser(t, ident, identity.DemoAdminEmail)
	f.dev = pgtest.MustUser(t, ident, "dev1@example.com") // team payments
	if _, err := f.svc.Catalog.CreateBlueprint(ctx, f.admin, []byte(`{"identifier": "service", "schema": {"properties": {}}}`)); err != nil {
		t.Fatal(err)
	}
	return f
}

func action(id, blueprint, invocation, permissions string) string {
	return `{"identifier": "` + id + `", "title": "T",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "` + blueprint + `", "userInputs": {"properties": {"tag": {"type": "string"}}}},
	  "invocationMethod": ` + invocation + `, "permissions": ` + permissions + `}`
}

const webhook = `{"type": "WEBHOOK", "url": "https://hooks.example/x", "headers": {"Authorization": "Bearer s3cret"}}`

func fieldOf(err error) string {
	if err == nil {
		return "no error"
	}
	if e, ok := err.(*slipway.Error); ok && e.Code == slipway.CodeInvalid {
		if e.Field != "" {
			return e.Field + ": " + e.Message
		}
		for _, v := range e.Violations {
			return v.Field + ": " + v.Message
		}
	}
	return "not an invalid-argument error: " + err.Error()
}

func TestDefinitionsNamingAnUnknownBlueprintAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.CreateAction(ctx, f.admin, []byte(action("a", "servce", webhook, "{}")))
	if got := fieldOf(err); got != `action.trigger.blueprintIdentifier: no blueprint "servce"` {
		t.Errorf("unknown trigger blueprint: %s", got)
	}
	upsert := `{"type": "UPSERT_ENTITY", "blueprintIdentifier": "servce", "mapping": {"identifier": "x"}}`
	_, err = f.svc.CreateAction(ctx, f.admin, []byte(action("a", "service", upsert, "{}")))
	if got := fieldOf(err); got != `action.invocationMethod.blueprintIdentifier: no blueprint "servce"` {
		t.Errorf("unknown UPSERT_ENTITY blueprint: %s", got)
	}
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(action("a", "service", webhook, "{}"))); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.UpdateAction(ctx, f.admin, "a", []byte(action("a", "servce", webhook, "{}")))
	if got := fieldOf(err); !strings.HasPrefix(got, "action.trigger.blueprintIdentifier") {
		t.Errorf("update with an unknown blueprint: %s", got)
	}
}

func TestMembersViewOnlyActionsTheyMayRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, raw := range []string{
		action("open", "service", webhook, "{}"),
		action("gated", "service", webhook, `{"execute": {"teams": ["platform"]}}`),
		action("mine", "service", webhook, `{"execute": {"teams": ["payments"]}}`),
	} {
		if _, err := f.svc.CreateAction(ctx, f.admin, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.ViewAction(ctx, f.dev, "gated"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("a member views an action they may not run: %v", err)
	}
	if _, err := f.svc.ViewAction(ctx, f.dev, "nope"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("unknown action: %v", err)
	}
	if d, err := f.svc.ViewAction(ctx, f.admin, "gated"); err != nil || d.InvocationMethod.Headers["Authorization"] == "" {
		t.Errorf("an admin views %v %v", d, err)
	}
	ids := func(actor slipway.User) string {
		defs, err := f.svc.ViewActions(ctx, actor, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range defs {
			out = append(out, d.Identifier)
			b, _ := json.Marshal(selfservice.DefinitionFor(actor, d))
			if leaked := strings.Contains(string(b), "s3cret"); leaked == !actor.IsAdmin() {
				t.Errorf("%s reads %s", actor.Email, b)
			}
		}
		return strings.Join(out, ",")
	}
	if got := ids(f.dev); got != "mine,open" {
		t.Errorf("a member lists %s", got)
	}
	if got := ids(f.admin); got != "gated,mine,open" {
		t.Errorf("an admin lists %s", got)
	}
	if _, ok := selfservice.DefinitionFor(f.dev, actions.Definition{}).(actions.PublicDefinition); !ok {
		t.Error("a member's definition is not the public view")
	}
}
