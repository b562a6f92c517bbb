//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

// A DAY-2/DELETE action runs on an entity: the backend gets its snapshot,
// and a successful DELETE run removes it from the catalog.
func TestDeleteActionRemovesItsEntity(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	var mu sync.Mutex
	var payload map[string]any
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		_ = json.Unmarshal(b, &payload)
		mu.Unlock()
		_, _ = w.Write([]byte(`{"statusLabel": "destroyed"}`))
	}))
	defer backend.Close()

	for _, c := range []struct{ path, body string }{
		{"CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "environment", "schema": {"properties": {"region": {"type": "string"}}}}}`},
		{"CatalogService/UpsertEntity", `{"entity": {"blueprint": "environment", "identifier": "pr-42", "title": "PR 42", "properties": {"region": "eu"}}}`},
		{"ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "delete_env", "trigger": {"type": "self-service", "operation": "DELETE",
		  "blueprintIdentifier": "environment", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)},
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, s.Token, c.body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, status, body)
		}
	}
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	_, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "delete_env"}), s.Token))
	assertCode(t, err, connect.CodeInvalidArgument)
	_, err = runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "delete_env", Entity: "pr-99"}), s.Token))
	assertCode(t, err, connect.CodeInvalidArgument)

	resp, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "delete_env", Entity: "pr-42"}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
	waitUntil(t, 20*time.Second, "the entity to be deleted", func() bool {
		_, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "environment", Identifier: "pr-42"}), s.Token))
		return connect.CodeOf(err) == connect.CodeNotFound
	})
	got, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: resp.Msg.GetRun().GetId()}), s.Token))
	if err != nil || got.Msg.GetRun().GetStatus() != "SUCCESS" || got.Msg.GetRun().GetEntity() != "pr-42" {
		t.Fatalf("run %v %v", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	entity, _ := payload["entity"].(map[string]any)
	props, _ := entity["properties"].(map[string]any)
	if entity["identifier"] != "pr-42" || entity["title"] != "PR 42" || props["region"] != "eu" {
		t.Errorf("payload entity %v", payload["entity"])
	}
}
