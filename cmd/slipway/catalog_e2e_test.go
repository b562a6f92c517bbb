//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/PuerkitoBio/goquery"

	"github.com/slipwayhq/slipway/activities"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// A DAY-2/DELETE action runs on an entity: the backend gets its snapshot,
// and a successful DELETE run removes it from the catalog.
func TestDeleteActionRemovesItsEntity(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"statusLabel": "destroyed"}`))

	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "environment", "schema": {"properties": {"region": {"type": "string"}}}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "environment", "identifier": "pr-42", "title": "PR 42", "properties": {"region": "eu"}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "environment", "identifier": "us-1", "properties": {"region": "us"}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "delete_env", "trigger": {"type": "self-service", "operation": "DELETE",
		  "blueprintIdentifier": "environment", "userInputs": {"properties": {}},
		  "condition": {"type": "SEARCH", "combinator": "and", "rules": [{"property": "region", "operator": "=", "value": "eu"}]}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}
	// The entity page offers the action where its condition holds, and the
	// action's form comes prefilled with the entity.
	c := noRedirectClient(t)
	doc := login(t, c, s.PortalURL, "admin@example.com", "/catalog/environment/pr-42")
	if doc.Find(`[data-testid="entity-action-delete_env"]`).Length() != 1 || !strings.Contains(doc.Find(`[data-testid="properties"]`).Text(), "eu") {
		t.Error("entity page of pr-42 does not offer delete_env or show its properties")
	}
	href, _ := doc.Find(`[data-testid="entity-action-delete_env"]`).Attr("href")
	resp, err := c.Get(s.PortalURL + href)
	if err != nil {
		t.Fatal(err)
	}
	form, _ := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if v, _ := form.Find(`[data-testid="input-__entity"]`).Attr("value"); v != "pr-42" {
		t.Errorf("execute form entity %q", v)
	}
	resp, err = c.Get(s.PortalURL + "/catalog/environment/us-1")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if other.Find(`[data-testid="entity-action-delete_env"]`).Length() != 0 {
		t.Error("delete_env offered on an entity its condition excludes")
	}

	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	_, err = runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "delete_env"}), s.Token))
	assertCode(t, err, connect.CodeInvalidArgument)
	_, err = runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "delete_env", Entity: "pr-99"}), s.Token))
	assertCode(t, err, connect.CodeInvalidArgument)
	// The action's condition offers it on EU environments only.
	_, err = runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "delete_env", Entity: "us-1"}), s.Token))
	assertCode(t, err, connect.CodeFailedPrecondition)

	started, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "delete_env", Entity: "pr-42"}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
	waitUntil(t, 20*time.Second, "the entity to be deleted", func() bool {
		_, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "environment", Identifier: "pr-42"}), s.Token))
		return connect.CodeOf(err) == connect.CodeNotFound
	})
	var got *connect.Response[slipwayv1.GetRunResponse]
	waitUntil(t, 10*time.Second, "the run to be recorded as ended", func() bool {
		got, err = runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: started.Msg.GetRun().GetId()}), s.Token))
		return err == nil && got.Msg.GetRun().GetEndedAt() != nil
	})
	if got.Msg.GetRun().GetStatus() != "SUCCESS" || got.Msg.GetRun().GetEntity() != "pr-42" {
		t.Fatalf("run %v", got.Msg.GetRun())
	}
	if a := got.Msg.GetRun().GetAffectedEntities(); len(a) != 1 || a[0].GetOperation() != "DELETE" || a[0].GetIdentifier() != "pr-42" {
		t.Errorf("affected entities %v", a)
	}
	calls := backend.Calls()
	if len(calls) == 0 {
		t.Fatal("the backend was not called")
	}
	payload := calls[len(calls)-1].JSON()
	entity, _ := payload["entity"].(map[string]any)
	props, _ := entity["properties"].(map[string]any)
	if entity["identifier"] != "pr-42" || entity["title"] != "PR 42" || props["region"] != "eu" {
		t.Errorf("payload entity %v", payload["entity"])
	}
}

// An UPSERT_ENTITY action writes its entity from a jq mapping, with no
// backend; a mapping whose result the blueprint refuses fails the run.
func TestUpsertEntityAction(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "service", "schema": {"properties": {
		  "language": {"type": "string", "enum": ["go", "python"]}, "owner": {"type": "string"}}, "required": ["language"]}}}`},
		{"ActionService/CreateAction", `{"action": {"identifier": "scaffold", "trigger": {"type": "self-service", "operation": "CREATE",
		  "blueprintIdentifier": "service", "userInputs": {"properties": {"name": {"type": "string"}, "language": {"type": "string"}}, "required": ["name"]}},
		  "invocationMethod": {"type": "UPSERT_ENTITY", "blueprintIdentifier": "service", "mapping": {
		    "identifier": "{{ .inputs.name }}", "title": "Service {{ .inputs.name }}", "team": "payments",
		    "properties": {"language": "{{ .inputs.language }}", "owner": "{{ .trigger.by.user.email }}"}}}}}`},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	final := func(inputs map[string]any) *slipwayv1.Run {
		t.Helper()
		resp, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "scaffold", Properties: mustStruct(t, inputs)}), s.Token))
		if err != nil {
			t.Fatal(err)
		}
		var run *slipwayv1.Run
		waitUntil(t, 20*time.Second, "the run to end", func() bool {
			got, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: resp.Msg.GetRun().GetId()}), s.Token))
			if err != nil {
				return false
			}
			run = got.Msg.GetRun()
			return run.GetEndedAt() != nil
		})
		return run
	}
	if run := final(map[string]any{"name": "billing", "language": "go"}); run.GetStatus() != "SUCCESS" || run.GetStatusLabel() != "service billing written" {
		t.Fatalf("upsert run: %v", run)
	}
	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
	got, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "service", Identifier: "billing"}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	e := got.Msg.GetEntity().AsMap()
	props, _ := e["properties"].(map[string]any)
	if e["title"] != "Service billing" || e["team"] != "payments" || props["language"] != "go" || props["owner"] != "admin@example.com" {
		t.Errorf("entity %v", e)
	}
	run := final(map[string]any{"name": "legacy", "language": "cobol"})
	if run.GetStatus() != "FAILURE" || !strings.Contains(run.GetStatusLabel(), "language") {
		t.Errorf("invalid mapped entity: %v", run)
	}
}

// An entity with a timer property expires on a durable timer, even across a
// restart of the whole stack, and its blueprint's expiry action runs on it
// with origin AUTOMATION.
func TestEntityTTLFiresAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	s := mustStartDev(t, dir)
	ctx := context.Background()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"statusLabel": "environment destroyed"}`))
	expires := time.Now().Add(4 * time.Second).UTC().Format(time.RFC3339)
	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "environment", "expiryAction": "destroy_env",
		  "schema": {"properties": {"expires": {"type": "string", "format": "timer"}}}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "destroy_env", "trigger": {"type": "self-service", "operation": "DELETE",
		  "blueprintIdentifier": "environment", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "environment", "identifier": "short-lived", "properties": {"expires": "` + expires + `"}}}`},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}
	token := s.Token
	s.Close() // the timer lives in Temporal, not in this process

	s = mustStartDev(t, dir)
	defer s.Close()
	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
	waitUntil(t, 40*time.Second, "the expired entity to be destroyed by its expiry action", func() bool {
		_, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "environment", Identifier: "short-lived"}), token))
		return connect.CodeOf(err) == connect.CodeNotFound
	})
	// The entity goes just before the run records its final state.
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	var list *connect.Response[slipwayv1.ListRunsResponse]
	waitUntil(t, 10*time.Second, "the expiry run to be recorded as ended", func() bool {
		var err error
		list, err = runs.ListRuns(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunsRequest{Action: "destroy_env"}), token))
		return err == nil && len(list.Msg.GetRuns()) == 1 && list.Msg.GetRuns()[0].GetEndedAt() != nil
	})
	if r := list.Msg.GetRuns()[0]; r.GetSource() != "AUTOMATION" || r.GetEntity() != "short-lived" || r.GetStatus() != "SUCCESS" {
		t.Errorf("expiry run %v", r)
	}
}

// A backend writes entities on behalf of its run while the run is in
// progress; they are listed as the run's affected entities.
func TestBackendWritesEntitiesForItsRun(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t)
	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "cloud_resource", "schema": {"properties": {"kind": {"type": "string"}}}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "provision", "trigger": {"type": "self-service", "operation": "CREATE",
		  "blueprintIdentifier": "cloud_resource", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backend.URL)},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}
	devTok := cliToken(t, s, "dev1@example.com")
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	if _, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "provision"}), devTok)); err != nil {
		t.Fatal(err)
	}
	call := backend.AwaitCalls(t, 1, 20*time.Second)[0]
	runID, runTok := call.RunID, call.RunToken
	if runID == "" || runTok == "" {
		t.Fatalf("payload without run id or token: %s", call.Body)
	}
	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
	entity := mustStruct(t, map[string]any{"blueprint": "cloud_resource", "identifier": "bucket-1", "properties": map[string]any{"kind": "s3"}})
	_, err := cat.UpsertEntity(ctx, withToken(connect.NewRequest(&slipwayv1.UpsertEntityRequest{Entity: entity, RunId: runID}), devTok))
	assertCode(t, err, connect.CodePermissionDenied)
	written, err := cat.UpsertEntity(ctx, withToken(connect.NewRequest(&slipwayv1.UpsertEntityRequest{Entity: entity, RunId: runID}), runTok))
	if err != nil {
		t.Fatal(err)
	}
	if written.Msg.GetEntity().AsMap()["createdBy"] == "" {
		t.Error("the entity should be written for the run's requester")
	}
	if _, err := runs.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: runID, Message: "done", TerminationStatus: "SUCCESS"}), runTok)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the run to end", func() bool {
		r, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: runID}), devTok))
		return err == nil && r.Msg.GetRun().GetStatus() == "SUCCESS"
	})
	_, err = cat.UpsertEntity(ctx, withToken(connect.NewRequest(&slipwayv1.UpsertEntityRequest{Entity: entity, RunId: runID}), runTok))
	assertCode(t, err, connect.CodeFailedPrecondition)
	r, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: runID}), devTok))
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Msg.GetRun().GetAffectedEntities(); len(a) != 1 || a[0].GetIdentifier() != "bucket-1" || a[0].GetOperation() != "UPSERT" {
		t.Errorf("affected entities %v", a)
	}
}

// An expiry whose activity is retried (a worker died after starting the
// expiry action) starts the action once; moving the timer into the future
// makes the next expiry a new one.
func TestExpiryStartsItsActionOnce(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, ""))
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "environment", "expiryAction": "destroy_env",
		  "schema": {"properties": {"expires": {"type": "string", "format": "timer"}}}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "destroy_env", "trigger": {"type": "self-service", "operation": "DELETE",
		  "blueprintIdentifier": "environment", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backend.URL)},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "environment", "identifier": "env-1", "properties": {"expires": "` + later + `"}}}`},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}
	acts := newActivities(s.store(), s.Client, s.WebhookSecret, s.PortalURL, s.Keys, nil)
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	count := func() int {
		t.Helper()
		list, err := runs.ListRuns(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunsRequest{Action: "destroy_env"}), s.Token))
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Msg.GetRuns())
	}
	expire := func() {
		t.Helper()
		if err := acts.ExpireEntity(ctx, activities.ExpireEntityInput{Blueprint: "environment", Identifier: "env-1"}); err != nil {
			t.Fatal(err)
		}
	}
	expire()
	expire() // the retry
	if n := count(); n != 1 {
		t.Fatalf("%d expiry runs after a retried expiry, want 1", n)
	}
	// Extended into the future, the entity lives again; its next expiry runs the action again.
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.CatalogService/UpsertEntity", s.Token,
		`{"entity": {"blueprint": "environment", "identifier": "env-1", "properties": {"expires": "`+time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339)+`"}}}`); status != http.StatusOK {
		t.Fatalf("extend: %d %s", status, body)
	}
	expire()
	if n := count(); n != 2 {
		t.Errorf("%d expiry runs after a second expiry, want 2", n)
	}
}
