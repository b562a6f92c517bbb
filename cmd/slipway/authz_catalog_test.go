//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

// matrix is what the authorization matrix's groups share.
type matrix struct {
	s      *devStack
	tokens map[string]string
	roles  []string
	// runToken starts action as the requester (on entity, if any) and
	// returns the run's id and the token its backend was given.
	runToken func(t *testing.T, action, entity string) (string, string)
	check    func(op, role string, want connect.Code, err error)
}

// catalogMatrix asserts who may write entities of a blueprint without
// permissions (the default: admins, and members for their team's
// entities), and what a run's token may write.
func catalogMatrix(t *testing.T, m matrix, backendURL string) {
	ctx := context.Background()
	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "service", "schema": {"properties": {"language": {"type": "string"}}}}}`},
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "bucket", "schema": {"properties": {}}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "provision_bucket", "trigger": {"type": "self-service", "operation": "CREATE",
		  "blueprintIdentifier": "bucket", "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backendURL)},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "tune_service", "trigger": {"type": "self-service", "operation": "DAY-2",
		  "blueprintIdentifier": "service", "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backendURL)},
	} {
		if status, body := postJSON(t, m.s.PortalURL+"/slipway.v1."+c.path, m.s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}
	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, m.s.PortalURL)
	entity := func(id, team, language string) map[string]any {
		return map[string]any{"blueprint": "service", "identifier": id, "team": team, "properties": map[string]any{"language": language}}
	}
	upsert := func(token, runID string, e map[string]any) error {
		_, err := cat.UpsertEntity(ctx, withToken(connect.NewRequest(&slipwayv1.UpsertEntityRequest{Entity: mustStruct(t, e), RunId: runID}), token))
		return err
	}
	remove := func(token, runID, id string) error {
		_, err := cat.DeleteEntity(ctx, withToken(connect.NewRequest(&slipwayv1.DeleteEntityRequest{Blueprint: "service", Identifier: id, RunId: runID}), token))
		return err
	}
	// seed has the admin register a fresh entity for one cell.
	seed := func(id, team string) {
		t.Helper()
		if err := upsert(m.tokens["admin"], "", entity(id, team, "go")); err != nil {
			t.Fatalf("seed %s: %v", id, err)
		}
	}
	teamOf := func(id string) string {
		res, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "service", Identifier: id}), m.tokens["admin"]))
		if err != nil {
			return "(gone)"
		}
		return fmt.Sprint(res.Msg.GetEntity().AsMap()["team"])
	}
	// A run's token used without run_id is refused for every write.
	_, probeToken := m.runToken(t, "provision_bucket", "")
	tokenOf := func(role string) string {
		if role == "backend" {
			return probeToken
		}
		return m.tokens[role]
	}
	ok, denied, anon := connect.Code(0), connect.CodePermissionDenied, connect.CodeUnauthenticated
	payments := map[string]connect.Code{"admin": ok, "requester": ok, "teammate": ok,
		"approver": denied, "outsider": denied, "anonymous": anon, "backend": denied}
	platform := map[string]connect.Code{"admin": ok, "approver": ok,
		"requester": denied, "teammate": denied, "outsider": denied, "anonymous": anon, "backend": denied}
	onlyAdmin := map[string]connect.Code{"admin": ok,
		"requester": denied, "teammate": denied, "approver": denied, "outsider": denied, "anonymous": anon, "backend": denied}

	t.Run("register", func(t *testing.T) {
		for _, role := range m.roles {
			m.check("register payments entity", role, payments[role], upsert(tokenOf(role), "", entity("reg-"+role, "payments", "go")))
		}
	})
	t.Run("update", func(t *testing.T) {
		for _, role := range m.roles {
			seed("upd-pay-"+role, "payments")
			m.check("update payments entity", role, payments[role], upsert(tokenOf(role), "", entity("upd-pay-"+role, "payments", "rust")))
			seed("upd-plat-"+role, "platform")
			m.check("update platform entity", role, platform[role], upsert(tokenOf(role), "", entity("upd-plat-"+role, "platform", "rust")))
		}
	})
	t.Run("reassign team", func(t *testing.T) {
		// The attack of issue #8: a member takes another team's entity by
		// re-assigning it to their own team (then runs its DAY-2 actions).
		for _, role := range m.roles {
			id := "move-" + role
			seed(id, "platform")
			err := upsert(tokenOf(role), "", entity(id, "payments", "go"))
			m.check("reassign platform entity to payments", role, onlyAdmin[role], err)
			if err != nil && teamOf(id) != "platform" {
				t.Errorf("%s: a refused reassignment moved %s to %s", role, id, teamOf(id))
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		for _, role := range m.roles {
			seed("del-pay-"+role, "payments")
			m.check("delete payments entity", role, payments[role], remove(tokenOf(role), "", "del-pay-"+role))
			seed("del-plat-"+role, "platform")
			m.check("delete platform entity", role, platform[role], remove(tokenOf(role), "", "del-plat-"+role))
		}
	})

	t.Run("writes of a run", func(t *testing.T) {
		seed("payments-api", "payments")
		seed("ledger", "payments")
		// A run token of an unrelated CREATE run (blueprint bucket).
		createRun, createToken := m.runToken(t, "provision_bucket", "")
		m.check("CREATE run of bucket deletes service/payments-api", "backend", denied, remove(createToken, createRun, "payments-api"))
		m.check("CREATE run of bucket writes a service", "backend", denied, upsert(createToken, createRun, entity("planted", "payments", "go")))
		if teamOf("payments-api") != "payments" {
			t.Error("service/payments-api was deleted by an unrelated run")
		}
		// A DAY-2 run on service/payments-api writes only that entity.
		day2Run, day2Token := m.runToken(t, "tune_service", "payments-api")
		m.check("DAY-2 run deletes another service", "backend", denied, remove(day2Token, day2Run, "ledger"))
		m.check("DAY-2 run updates another service", "backend", denied, upsert(day2Token, day2Run, entity("ledger", "platform", "go")))
		m.check("DAY-2 run updates its entity", "backend", ok, upsert(day2Token, day2Run, entity("payments-api", "payments", "rust")))
		m.check("DAY-2 run token without run_id", "backend", denied, upsert(day2Token, "", entity("payments-api", "payments", "go")))
		m.check("admin with the DAY-2 run's id writes another service", "admin", denied, upsert(m.tokens["admin"], day2Run, entity("ledger", "platform", "go")))
		m.check("requester with the run's id", "requester", denied, upsert(m.tokens["requester"], day2Run, entity("payments-api", "payments", "go")))
		if teamOf("ledger") != "payments" {
			t.Error("service/ledger was changed by a run that does not target it")
		}
		m.check("DAY-2 run deletes its entity", "backend", ok, remove(day2Token, day2Run, "payments-api"))
		if got := teamOf("payments-api"); !strings.Contains(got, "gone") {
			t.Errorf("payments-api after its run deleted it: %s", got)
		}
	})
}
