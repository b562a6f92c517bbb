//go:build !slipway_lean

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protowire"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// The probes of issue #8 (bad bytes, over-long text, javascript: links),
// re-run on the real stack: every one is refused as invalid_argument (400
// on the REST and portal edges) naming the field, and none answers 500.
func TestEdgeRefusesBadText(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	asyncBackend := testkit.MustBackend(t)
	syncBackend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"status": "SUCCESS", "statusLabel": "done", "link": ["https://ci.example.com/1", "javascript:alert(1)"]}`))

	admin, dev1 := s.Token, cliToken(t, s, "dev1@example.com")
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	identityAPI := slipwayv1connect.NewIdentityServiceClient(http.DefaultClient, s.PortalURL)

	for _, def := range []string{
		fmt.Sprintf(`{"action": {"identifier": "edge", "title": "Edge", "trigger": {"type": "self-service", "operation": "CREATE",
		  "userInputs": {"properties": {"name": {"type": "string"}}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, asyncBackend.URL),
		fmt.Sprintf(`{"action": {"identifier": "edge-sync", "title": "Edge sync", "trigger": {"type": "self-service", "operation": "CREATE"},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, syncBackend.URL),
	} {
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", admin, def); status != http.StatusOK {
			t.Fatalf("create action: %d %s", status, body)
		}
	}
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.CatalogService/CreateBlueprint", admin,
		`{"blueprint": {"identifier": "service", "title": "Service", "schema": {"properties": {"readme": {"type": "string"}}}}}`); status != http.StatusOK {
		t.Fatalf("create blueprint: %d %s", status, body)
	}

	// A run in progress, with its backend's token, to report on.
	started, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "edge", Properties: mustStruct(t, map[string]any{"name": "ok"})}), dev1))
	if err != nil {
		t.Fatal(err)
	}
	runID := started.Msg.GetRun().GetId()
	runToken := asyncBackend.AwaitRun(t, runID, 20*time.Second).RunToken

	nul := "a\x00b"
	big := func(n int) string { return strings.Repeat("x", n) }
	connectCases := []struct {
		name, path, token, body, field string
	}{
		{"NUL in an input", "RunService/ExecuteAction", dev1, `{"action": "edge", "properties": {"name": "a\u0000b"}}`, "properties.name"},
		{"NUL in an action title", "ActionService/CreateAction", admin, `{"action": {"identifier": "nul", "title": "a\u0000b", "trigger": {"type": "self-service", "operation": "CREATE"}, "invocationMethod": {"type": "WEBHOOK", "url": "http://127.0.0.1:9"}}}`, "action.title"},
		{"NUL in a token name", "IdentityService/CreateToken", dev1, `{"name": "a\u0000b"}`, "name"},
		{"NUL in a log line", "RunService/AddRunLog", runToken, fmt.Sprintf(`{"id": %q, "message": "a\u0000b"}`, runID), "message"},
		{"NUL in a status label", "RunService/UpdateRun", runToken, fmt.Sprintf(`{"id": %q, "statusLabel": "a\u0000b"}`, runID), "statusLabel"},
		{"NUL in an entity title", "CatalogService/UpsertEntity", admin, `{"entity": {"blueprint": "service", "identifier": "api", "title": "a\u0000b"}}`, "entity.title"},
		{"NUL in an entity property key", "CatalogService/UpsertEntity", admin, `{"entity": {"blueprint": "service", "identifier": "api", "properties": {"a\u0000b": "x"}}}`, "entity.properties"},
		{"NUL in a reason", "RunService/CancelRun", dev1, fmt.Sprintf(`{"id": %q, "reason": "a\u0000b"}`, runID), "reason"},
		{"a 500 KB title", "ActionService/CreateAction", admin, fmt.Sprintf(`{"action": {"identifier": "long", "title": %q, "trigger": {"type": "self-service", "operation": "CREATE"}, "invocationMethod": {"type": "WEBHOOK", "url": "http://127.0.0.1:9"}}}`, big(500_000)), "action.title"},
		{"a 500 KB entity title", "CatalogService/UpsertEntity", admin, fmt.Sprintf(`{"entity": {"blueprint": "service", "identifier": "api", "title": %q}}`, big(500_000)), "entity.title"},
		{"a 900 KB input", "RunService/ExecuteAction", dev1, fmt.Sprintf(`{"action": "edge", "properties": {"name": %q}}`, big(900_000)), "properties.name"},
		{"a javascript: link", "RunService/UpdateRun", runToken, fmt.Sprintf(`{"id": %q, "link": "javascript:alert(1)"}`, runID), "link"},
		{"a data: link in a list", "RunService/UpdateRun", runToken, fmt.Sprintf(`{"id": %q, "link": ["https://ci.example.com", "data:text/html,hi"]}`, runID), "link[1]"},
	}
	for _, c := range connectCases {
		status, body := postJSON(t, s.PortalURL+"/slipway.v1."+c.path, c.token, c.body)
		if status != http.StatusBadRequest || !strings.Contains(body, "invalid_argument") || !strings.Contains(body, c.field) {
			t.Errorf("%s: %d %.300s (want 400 invalid_argument naming %s)", c.name, status, body, c.field)
		}
	}
	// The typed client too (binary proto): NUL passes the codec, the edge refuses it.
	_, err = identityAPI.CreateToken(ctx, withToken(connect.NewRequest(&slipwayv1.CreateTokenRequest{Name: nul}), dev1))
	assertCode(t, err, connect.CodeInvalidArgument)
	_, err = runs.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: runID, Message: nul}), runToken))
	assertCode(t, err, connect.CodeInvalidArgument)

	// Invalid UTF-8 can only be sent as hand-made binary proto (Go's proto refuses to marshal it).
	raw := protowire.AppendTag(nil, 1, protowire.BytesType)
	raw = protowire.AppendBytes(raw, []byte("bad\xff\xfe"))
	req, _ := http.NewRequest(http.MethodPost, s.PortalURL+"/slipway.v1.IdentityService/CreateToken", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/proto")
	req.Header.Set("Authorization", "Bearer "+dev1)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(answer), "invalid_argument") || !strings.Contains(string(answer), "name: must be valid UTF-8") {
		t.Errorf("invalid UTF-8 in binary proto: %d %s", resp.StatusCode, answer)
	}

	// Port's REST shapes.
	restCases := []struct{ name, method, path, token, body, field string }{
		{"NUL in a log line", "POST", "/v1/actions/runs/" + runID + "/logs", runToken, `{"message": "a\u0000b"}`, "message"},
		{"a javascript: link", "PATCH", "/v1/actions/runs/" + runID, runToken, `{"link": "javascript:alert(1)"}`, "link"},
		{"NUL in a status label", "PATCH", "/v1/actions/runs/" + runID, runToken, `{"statusLabel": "a\u0000b"}`, "statusLabel"},
		{"NUL in an input", "POST", "/v1/actions/edge/runs", dev1, `{"properties": {"name": "a\u0000b"}}`, "properties.name"},
		{"invalid UTF-8", "POST", "/v1/actions/runs/" + runID + "/logs", runToken, "{\"message\": \"a\xffb\"}", "body"},
	}
	for _, c := range restCases {
		status, body := sendJSON(t, c.method, s.PortalURL+c.path, c.token, c.body)
		if status != http.StatusBadRequest || !strings.Contains(body, c.field) {
			t.Errorf("REST %s: %d %.300s (want 400 naming %s)", c.name, status, body, c.field)
		}
	}

	// The run took none of it: no refused link, label or line got through.
	got, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: runID}), dev1))
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Msg.GetRun(); len(r.GetLink()) != 0 || r.GetStatusLabel() != "" || r.GetLogCount() != 0 || r.GetStatus() != "IN_PROGRESS" {
		t.Errorf("the run changed: %v", r)
	}

	// A synchronous backend answering a javascript: link fails its run, saying which field was bad.
	syncRun, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "edge-sync"}), dev1))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the synchronous run to end", func() bool {
		got, err = runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: syncRun.Msg.GetRun().GetId()}), dev1))
		return err == nil && got.Msg.GetRun().GetEndedAt() != nil
	})
	if r := got.Msg.GetRun(); r.GetStatus() != "FAILURE" || !strings.Contains(r.GetStatusLabel(), "link[1]") || len(r.GetLink()) != 0 {
		t.Errorf("sync answer with a javascript: link: label %q, links %v", r.GetStatusLabel(), r.GetLink())
	}

	// A portal form with a NUL byte.
	c := noRedirectClient(t)
	doc := login(t, c, s.PortalURL, "dev1@example.com", "/tokens")
	csrf, _ := doc.Find(`input[name="csrf_token"]`).First().Attr("value")
	resp, err = c.PostForm(s.PortalURL+"/tokens", url.Values{"name": {nul}, "ttl_days": {"0"}, "csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "name") || !strings.Contains(string(page), "NUL") {
		t.Errorf("portal form with %%00: %d %.500s", resp.StatusCode, page)
	}
	resp, err = c.Get(s.PortalURL + "/runs?action=%00")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(page), "action") {
		t.Errorf("portal query with %%00: %d %.500s", resp.StatusCode, page)
	}
}
