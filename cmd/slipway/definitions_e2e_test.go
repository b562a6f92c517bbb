//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

// Secrets an admin wrote into definitions, which members must never read.
var definitionSecrets = []string{"header-s3cret", "url-s3cret", "hooks.internal.example", "body-s3cret", "notify-s3cret", "approver@example.com", "platform"}

// TestDefinitionsByRole: members read only what they need to run an action
// (never its backend's URL, headers or body, its permissions or approvers),
// and only of actions they may run; the portal answers 404 for the form and
// the entity choices of an action the member may not run. Admins read whole
// definitions. Also: definitions naming an unknown blueprint are refused,
// and the Port-style execute answers 404 for an unknown action.
func TestDefinitionsByRole(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	adminTok, devTok := s.Token, cliToken(t, s, "dev1@example.com") // dev1 is in team payments
	actionsAPI := slipwayv1connect.NewActionServiceClient(http.DefaultClient, s.PortalURL)

	mustPost := func(path, body string) {
		t.Helper()
		if status, resp := postJSON(t, s.PortalURL+path, adminTok, body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, resp)
		}
	}
	mustPost("/slipway.v1.CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "service", "schema": {"properties": {"tier": {"type": "number"}}}}}`)
	mustPost("/slipway.v1.CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "payments-api", "team": "payments"}}`)
	// definition builds an action with every field a member must not read.
	definition := func(id, operation, permissions string) string {
		return `{"identifier": "` + id + `", "title": "Title of ` + id + `", "icon": "Rocket", "description": "What ` + id + ` does",
		  "trigger": {"type": "self-service", "operation": "` + operation + `", "blueprintIdentifier": "service",
		    "userInputs": {"properties": {"size": {"type": "string", "enum": ["small", "large"]},
		      "password": {"type": "string", "encryption": "aes256-gcm"}}, "required": ["size"]}},
		  "invocationMethod": {"type": "WEBHOOK", "url": "https://hooks.internal.example/deploy?key=url-s3cret",
		    "headers": {"Authorization": "Bearer header-s3cret"}, "body": {"secret": "body-s3cret"}},
		  "requiredApproval": {"type": "ANY", "when": ".inputs.size == \"large\""},
		  "approvalNotification": {"type": "webhook", "url": "https://hooks.internal.example/notify-s3cret"},
		  "approvers": {"users": ["approver@example.com"]},
		  "permissions": ` + permissions + `, "allowAnyoneToViewRuns": false}`
	}
	mustPost("/slipway.v1.ActionService/CreateAction", `{"action": `+definition("open", "CREATE", `{"approve": {"teams": ["platform"]}}`)+`}`)
	mustPost("/slipway.v1.ActionService/CreateAction", `{"action": `+definition("gated", "DAY-2", `{"execute": {"teams": ["platform"]}}`)+`}`)
	mustPost("/slipway.v1.ActionService/CreateAction", `{"action": `+definition("owned", "DAY-2", `{"execute": {"ownedByTeam": true}}`)+`}`)

	leaks := func(what string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		for _, secret := range definitionSecrets {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s shows %q: %s", what, secret, b)
			}
		}
		for _, field := range []string{"invocationMethod", "approvalNotification", "permissions", "approvers", "approvalStages", "when", "allowAnyoneToViewRuns"} {
			if strings.Contains(string(b), `"`+field+`"`) {
				t.Errorf("%s has %s: %s", what, field, b)
			}
		}
	}

	t.Run("a member reads what running needs", func(t *testing.T) {
		got, err := actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "open"}), devTok))
		if err != nil {
			t.Fatal(err)
		}
		a := got.Msg.GetAction().AsMap()
		leaks("a member's GetAction", a)
		trigger, _ := a["trigger"].(map[string]any)
		inputs, _ := trigger["userInputs"].(map[string]any)
		props, _ := inputs["properties"].(map[string]any)
		if a["title"] != "Title of open" || a["icon"] != "Rocket" || a["description"] != "What open does" ||
			trigger["operation"] != "CREATE" || trigger["blueprintIdentifier"] != "service" || props["size"] == nil || props["password"] == nil {
			t.Errorf("a member's GetAction lacks what running needs: %v", a)
		}
		if ra, _ := a["requiredApproval"].(map[string]any); ra["type"] != "ANY" {
			t.Errorf("requiredApproval: %v", a["requiredApproval"])
		}
	})

	t.Run("a member lists only actions they may run", func(t *testing.T) {
		list, err := actionsAPI.ListActions(ctx, withToken(connect.NewRequest(&slipwayv1.ListActionsRequest{}), devTok))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range list.Msg.GetActions() {
			m := a.AsMap()
			leaks("a member's ListActions", m)
			ids = append(ids, m["identifier"].(string))
		}
		if strings.Join(ids, ",") != "open,owned" {
			t.Errorf("a member lists %v, want open and owned (not gated)", ids)
		}
		_, err = actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "gated"}), devTok))
		assertCode(t, err, connect.CodeNotFound)
		if strings.Contains(err.Error(), "permission") {
			t.Errorf("the refusal tells the action exists: %v", err)
		}
	})

	t.Run("an admin reads whole definitions", func(t *testing.T) {
		got, err := actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "gated"}), adminTok))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := protojson.Marshal(got.Msg.GetAction())
		for _, want := range []string{"header-s3cret", "url-s3cret", "body-s3cret", "notify-s3cret", "platform", `"when"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("an admin's GetAction lacks %s: %s", want, b)
			}
		}
		list, err := actionsAPI.ListActions(ctx, withToken(connect.NewRequest(&slipwayv1.ListActionsRequest{}), adminTok))
		if err != nil || len(list.Msg.GetActions()) != 3 {
			t.Fatalf("an admin lists %v %v", list, err)
		}
		for _, a := range list.Msg.GetActions() {
			if inv, _ := a.AsMap()["invocationMethod"].(map[string]any); inv["url"] == nil {
				t.Errorf("an admin's ListActions lacks the URL: %v", a.AsMap())
			}
		}
	})

	t.Run("the portal answers 404 for a form the member may not run", func(t *testing.T) {
		member := noRedirectClient(t)
		login(t, member, s.PortalURL, "dev1@example.com", "/")
		admin := noRedirectClient(t)
		login(t, admin, s.PortalURL, "admin@example.com", "/")
		for _, c := range []struct {
			who    string
			client *http.Client
			path   string
			want   int
		}{
			{"member", member, "/self-service/gated", http.StatusNotFound},
			{"member", member, "/self-service/gated/choices?input=__entity", http.StatusNotFound},
			{"member", member, "/self-service/open", http.StatusOK},
			{"member", member, "/self-service/owned", http.StatusOK},
			{"member", member, "/self-service/owned/choices?input=__entity", http.StatusOK},
			{"admin", admin, "/self-service/gated", http.StatusOK},
			{"admin", admin, "/self-service/gated/choices?input=__entity", http.StatusOK},
		} {
			resp, err := c.client.Get(s.PortalURL + c.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s GET %s: %d, want %d", c.who, c.path, resp.StatusCode, c.want)
			}
			if c.want == http.StatusNotFound && (strings.Contains(string(body), "large") || strings.Contains(string(body), "payments-api")) {
				t.Errorf("%s GET %s shows the form's choices: %.300s", c.who, c.path, body)
			}
		}
	})

	t.Run("definitions naming an unknown blueprint are refused", func(t *testing.T) {
		for field, def := range map[string]string{
			"action.trigger.blueprintIdentifier": strings.Replace(definition("typo", "CREATE", "{}"), `"blueprintIdentifier": "service"`, `"blueprintIdentifier": "servce"`, 1),
			"action.invocationMethod.blueprintIdentifier": `{"identifier": "typo", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
			  "invocationMethod": {"type": "UPSERT_ENTITY", "blueprintIdentifier": "servce", "mapping": {"identifier": "x"}}}`,
		} {
			status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", adminTok, `{"action": `+def+`}`)
			if status != http.StatusBadRequest || !strings.Contains(body, "invalid_argument") || !strings.Contains(body, field) || !strings.Contains(body, "servce") {
				t.Errorf("create with an unknown blueprint in %s: %d %s", field, status, body)
			}
			status, body = postJSON(t, s.PortalURL+"/slipway.v1.ActionService/UpdateAction", adminTok,
				`{"identifier": "open", "action": `+strings.Replace(def, `"identifier": "typo"`, `"identifier": "open"`, 1)+`}`)
			if status != http.StatusBadRequest || !strings.Contains(body, field) {
				t.Errorf("update with an unknown blueprint in %s: %d %s", field, status, body)
			}
		}
	})

	t.Run("listing entities of an unknown blueprint", func(t *testing.T) {
		status, body := postJSON(t, s.PortalURL+"/slipway.v1.CatalogService/ListEntities", devTok, `{"blueprint": "servce"}`)
		if status != http.StatusNotFound || !strings.Contains(body, "servce") {
			t.Errorf("ListEntities of an unknown blueprint: %d %s", status, body)
		}
	})

	t.Run("the Port-style execute of an unknown action", func(t *testing.T) {
		status, body := postJSON(t, s.PortalURL+"/v1/actions/nope/runs", devTok, `{"properties": {}}`)
		var got map[string]any
		_ = json.Unmarshal([]byte(body), &got)
		if status != http.StatusNotFound || got["ok"] != false || got["error"] != "not_found" || !strings.Contains(body, "nope") {
			t.Errorf("Port execute of an unknown action: %d %s", status, body)
		}
	})
}
