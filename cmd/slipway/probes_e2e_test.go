//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// TestAttackerProbesAreClosed re-runs, on one `slipway dev` stack, the
// probes of issue #8 as they were made: with a member's token (dev1, team
// payments) and a run token. Each hole has its own detailed test; this one
// keeps the attacker's session as a whole from ever working again.
func TestAttackerProbesAreClosed(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t)
	syncBackend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"status": "SUCCESS", "link": "javascript:alert(document.cookie)"}`))

	admin, dev := s.Token, cliToken(t, s, "dev1@example.com")
	mustAdmin := func(path, body string) {
		t.Helper()
		if status, out := postJSON(t, s.PortalURL+"/slipway.v1."+path, admin, body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, out)
		}
	}
	mustAdmin("CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "service", "schema": {"properties": {"tier": {"type": "string"}}}}}`)
	mustAdmin("CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "bucket", "schema": {"properties": {}}}}`)
	mustAdmin("CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "payments-api", "team": "payments"}}`)
	mustAdmin("CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "ledger", "team": "platform"}}`)
	mustAdmin("CatalogService/UpsertEntity", `{"entity": {"blueprint": "service", "identifier": "api+v2", "team": "payments"}}`)
	action := func(id, operation, blueprint, extra string) string {
		return fmt.Sprintf(`{"action": {"identifier": %q, "title": %q, "trigger": {"type": "self-service", "operation": %q, "blueprintIdentifier": %q,
		  "userInputs": {"properties": {"note": {"type": "string"}, "size": {"type": "string", "enum": ["s", "xl-secret-size"]}}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "headers": {"Authorization": "Bearer s3cret-webhook-token"}}%s}}`,
			id, id, operation, blueprint, backend.URL, extra)
	}
	mustAdmin("ActionService/CreateAction", action("scale", "DAY-2", "service", `, "permissions": {"execute": {"ownedByTeam": true}}`))
	mustAdmin("ActionService/CreateAction", action("platform_only", "CREATE", "service", `, "permissions": {"execute": {"teams": ["platform"]}}`))
	mustAdmin("ActionService/CreateAction", action("provision", "CREATE", "bucket", ""))
	mustAdmin("ActionService/CreateAction", strings.Replace(strings.Replace(action("sync", "CREATE", "bucket", ""),
		backend.URL, syncBackend.URL, 1), `"type": "WEBHOOK",`, `"type": "WEBHOOK", "synchronized": true,`, 1))

	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	actionsAPI := slipwayv1connect.NewActionServiceClient(http.DefaultClient, s.PortalURL)
	identityAPI := slipwayv1connect.NewIdentityServiceClient(http.DefaultClient, s.PortalURL)
	execute := func(token, action, entity string, inputs map[string]any) (string, error) {
		res, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: action, Entity: entity, Properties: mustStruct(t, inputs)}), token))
		if err != nil {
			return "", err
		}
		return res.Msg.GetRun().GetId(), nil
	}
	// A run of dev1's whose token the attacker also holds.
	runID, err := execute(dev, "provision", "", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	runToken := backend.AwaitRun(t, runID, 30*time.Second).RunToken

	t.Run("1 catalog writes", func(t *testing.T) {
		_, err := cat.UpsertEntity(ctx, withToken(connect.NewRequest(&slipwayv1.UpsertEntityRequest{Entity: mustStruct(t,
			map[string]any{"blueprint": "service", "identifier": "ledger", "team": "payments"})}), dev))
		assertCode(t, err, connect.CodePermissionDenied)
		_, err = execute(dev, "scale", "ledger", map[string]any{})
		assertCode(t, err, connect.CodePermissionDenied)
		_, err = cat.DeleteEntity(ctx, withToken(connect.NewRequest(&slipwayv1.DeleteEntityRequest{Blueprint: "service", Identifier: "payments-api", RunId: runID}), runToken))
		assertCode(t, err, connect.CodePermissionDenied)
		_, err = cat.DeleteEntity(ctx, withToken(connect.NewRequest(&slipwayv1.DeleteEntityRequest{Blueprint: "service", Identifier: "payments-api"}), runToken))
		assertCode(t, err, connect.CodePermissionDenied)
		if got, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "service", Identifier: "ledger"}), admin)); err != nil ||
			got.Msg.GetEntity().AsMap()["team"] != "platform" {
			t.Errorf("ledger after the probes: %v %v", got, err)
		}
	})

	t.Run("2 definitions", func(t *testing.T) {
		list, err := actionsAPI.ListActions(ctx, withToken(connect.NewRequest(&slipwayv1.ListActionsRequest{}), dev))
		if err != nil || strings.Contains(fmt.Sprint(list.Msg), "s3cret") || strings.Contains(fmt.Sprint(list.Msg), "platform_only") {
			t.Errorf("a member's ListActions: %v %v", list, err)
		}
		_, err = actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "platform_only"}), dev))
		assertCode(t, err, connect.CodeNotFound)
		c := noRedirectClient(t)
		login(t, c, s.PortalURL, "dev1@example.com", "/self-service")
		if status, body := fetch(t, c, s.PortalURL+"/self-service/platform_only"); status != http.StatusNotFound || strings.Contains(body, "xl-secret-size") {
			t.Errorf("a member's form of an action they may not run: %d", status)
		}
	})

	t.Run("3 NUL bytes", func(t *testing.T) {
		_, err := execute(dev, "provision", "", map[string]any{"note": "a\x00b"})
		assertCode(t, err, connect.CodeInvalidArgument)
		_, err = cat.UpsertEntity(ctx, withToken(connect.NewRequest(&slipwayv1.UpsertEntityRequest{Entity: mustStruct(t,
			map[string]any{"blueprint": "service", "identifier": "payments-api", "team": "payments", "title": "x\x00"})}), dev))
		assertCode(t, err, connect.CodeInvalidArgument)
		_, err = identityAPI.CreateToken(ctx, withToken(connect.NewRequest(&slipwayv1.CreateTokenRequest{Name: "t\x00"}), dev))
		assertCode(t, err, connect.CodeInvalidArgument)
		status, _ := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", admin, strings.Replace(action("nul", "CREATE", "bucket", ""), `"title": "nul"`, `"title": "n\u0000l"`, 1))
		if status != http.StatusBadRequest {
			t.Errorf("an action title with a NUL: %d", status)
		}
		_, err = runs.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: runID, Message: "line\x00"}), runToken))
		assertCode(t, err, connect.CodeInvalidArgument)
		if status, body := sendJSON(t, http.MethodPost, s.PortalURL+"/v1/actions/runs/"+runID+"/logs", runToken, `{"message": "line\u0000"}`); status != http.StatusBadRequest {
			t.Errorf("Port's logs with a NUL: %d %s", status, body)
		}
		label := "deploying\x00"
		_, err = runs.UpdateRun(ctx, withToken(connect.NewRequest(&slipwayv1.UpdateRunRequest{Id: runID, StatusLabel: &label}), runToken))
		assertCode(t, err, connect.CodeInvalidArgument)
	})

	t.Run("4 redirect after sign-in", func(t *testing.T) {
		c := noRedirectClient(t)
		login(t, c, s.PortalURL, "dev1@example.com", "/")
		resp, err := c.Get(s.PortalURL + "/login?next=/%09/evil.example/phish")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc, _ := resp.Location(); loc != nil && loc.Host != strings.TrimPrefix(s.PortalURL, "http://") {
			t.Errorf("signed-in user sent to %s", loc)
		}
	})

	t.Run("5 links", func(t *testing.T) {
		if status, body := sendJSON(t, http.MethodPatch, s.PortalURL+"/v1/actions/runs/"+runID, runToken, `{"link": "javascript:alert(1)"}`); status != http.StatusBadRequest {
			t.Errorf("Port's PATCH with a javascript: link: %d %s", status, body)
		}
		id, err := execute(dev, "sync", "", map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		run := waitForEnd(t, runs, admin, id)
		if run.GetStatus() != "FAILURE" || len(run.GetLink()) != 0 || !strings.Contains(run.GetStatusLabel(), "link") {
			t.Errorf("a sync answer with a javascript: link: %s %q %v", run.GetStatus(), run.GetStatusLabel(), run.GetLink())
		}
	})

	t.Run("6 log lines past 1,000", func(t *testing.T) {
		id, err := execute(dev, "provision", "", map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		tok := backend.AwaitRun(t, id, 30*time.Second).RunToken
		const lines = 1001
		parallel(t, lines, 8, func(i int) error {
			_, err := runs.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: fmt.Sprint("line ", i)}), tok))
			return err
		})
		seen, after := 0, int64(0)
		for {
			page, err := runs.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: id, AfterSeq: after}), dev))
			if err != nil {
				t.Fatal(err)
			}
			seen += len(page.Msg.GetLogs())
			if !page.Msg.GetHasMore() {
				break
			}
			after = page.Msg.GetNextAfterSeq()
		}
		if seen != lines {
			t.Errorf("ListRunLogs pages gave %d of %d lines", seen, lines)
		}
	})

	t.Run("7 the smaller ones", func(t *testing.T) {
		c := noRedirectClient(t)
		doc := login(t, c, s.PortalURL, "dev1@example.com", "/catalog/service/"+url.PathEscape("api+v2"))
		href, ok := doc.Find(`a[href*="/self-service/scale"]`).Attr("href")
		if !ok {
			t.Fatal("the entity page of api+v2 offers no scale link")
		}
		if status, body := fetch(t, c, s.PortalURL+href); status != http.StatusOK || !strings.Contains(body, "api+v2") {
			t.Errorf("the action link of api+v2 (%s): %d", href, status)
		}
		list, err := cat.ListEntities(ctx, withToken(connect.NewRequest(&slipwayv1.ListEntitiesRequest{Blueprint: "service", Search: "%"}), dev))
		if err != nil || len(list.Msg.GetEntities()) != 0 {
			t.Errorf("search for %%: %v %v", list, err)
		}
		req, _ := http.NewRequest(http.MethodPost, s.PortalURL+"/tokens", strings.NewReader("name=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("a cross-site form post: %v %v", resp, err)
		}
		status, _ := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", admin, action("orphan", "CREATE", "no_such_blueprint", ""))
		if status != http.StatusBadRequest {
			t.Errorf("an action of an unknown blueprint: %d", status)
		}
		_, err = cat.ListEntities(ctx, withToken(connect.NewRequest(&slipwayv1.ListEntitiesRequest{Blueprint: "no_such_blueprint"}), dev))
		assertCode(t, err, connect.CodeNotFound)
		status, _ = postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", admin, action(strings.Repeat("t", 10), "CREATE", "bucket", `, "description": "`+strings.Repeat("d", 500_000)+`"`))
		if status != http.StatusBadRequest {
			t.Errorf("a 500 KB description: %d", status)
		}
		_, err = execute(dev, "provision", "", map[string]any{"note": strings.Repeat("x", 900_000)})
		assertCode(t, err, connect.CodeInvalidArgument)
		status, _ = postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", admin, strings.Replace(action("metadata", "CREATE", "bucket", ""), backend.URL, "http://169.254.169.254/latest/meta-data", 1))
		if status != http.StatusBadRequest {
			t.Errorf("a webhook to the cloud metadata address: %d", status)
		}
		if _, err := runs.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: runID, Message: "abc\u202Edef"}), runToken)); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 10*time.Second, "the run page to show the line", func() bool {
			_, body := fetch(t, c, s.PortalURL+"/runs/"+runID)
			return strings.Contains(body, "abc") && !strings.Contains(body, "\u202E") && strings.Contains(body, "U+202E")
		})
		if status, _ := sendJSON(t, http.MethodPost, s.PortalURL+"/v1/actions/no_such_action/runs", dev, `{"properties": {}}`); status != http.StatusNotFound {
			t.Errorf("Port's execute of an unknown action: %d", status)
		}
		_, err = cat.UpsertEntity(ctx, withToken(connect.NewRequest(&slipwayv1.UpsertEntityRequest{Entity: mustStruct(t,
			map[string]any{"blueprint": "service", "identifier": "payments-api", "team": "payments", "properties": map[string]any{"colour": "red"}})}), dev))
		if err == nil || !strings.Contains(err.Error(), "not a property of blueprint service") {
			t.Errorf("an unknown entity property: %v", err)
		}
	})
}

func waitForEnd(t *testing.T, runs slipwayv1connect.RunServiceClient, token, id string) *slipwayv1.Run {
	t.Helper()
	var run *slipwayv1.Run
	waitUntil(t, 30*time.Second, "run "+id+" to end", func() bool {
		res, err := runs.GetRun(context.Background(), withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), token))
		run = res.Msg.GetRun()
		return err == nil && run.GetEndedAt() != nil
	})
	return run
}

func fetch(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
