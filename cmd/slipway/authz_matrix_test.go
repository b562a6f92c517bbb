//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// TestAuthorizationMatrix asserts every cell of who may do what to an action
// that only team payments may run, only approver@ approves, and whose runs
// are private: each role × execute / approve / report status / cancel /
// view / manage, on the real API.
func TestAuthorizationMatrix(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()

	// The backend accepts each call and keeps the run token it was given.
	backend := testkit.MustBackend(t)
	def := func(id string) string {
		return fmt.Sprintf(`{"identifier": %q, "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q},
		  "requiredApproval": %s, "allowAnyoneToViewRuns": false,
		  "permissions": {"execute": {"teams": ["payments"]}, "approve": {"users": ["approver@example.com"]}}}`,
			id, backend.URL, map[bool]string{true: "true", false: "false"}[strings.HasPrefix(id, "gated")])
	}
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, `{"action": `+def("gated")+`}`); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, `{"action": `+def("open")+`}`); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	t.Setenv("SLIPWAY_DATA_DIR", s.DataDir)
	t.Setenv("DATABASE_URL", "")
	var out, errOut strings.Builder
	if code := run(ctx, []string{"user", "create", "--email", "outsider@example.com", "--name", "Out Sider"}, &out, &errOut); code != 0 {
		t.Fatalf("create outsider: %s", errOut.String())
	}

	tokens := map[string]string{
		"admin":     s.Token,
		"requester": cliToken(t, s, "dev1@example.com"), // team payments
		"teammate":  cliToken(t, s, "dev2@example.com"), // team payments
		"approver":  cliToken(t, s, "approver@example.com"),
		"outsider":  cliToken(t, s, "outsider@example.com"),
		"anonymous": "",
	}
	roles := []string{"admin", "requester", "teammate", "approver", "outsider", "anonymous", "backend"}
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	actionsAPI := slipwayv1connect.NewActionServiceClient(http.DefaultClient, s.PortalURL)

	// start runs action as requester and returns its id once the backend holds its token.
	start := func(action string) string {
		t.Helper()
		res, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: action}), tokens["requester"]))
		if err != nil {
			t.Fatalf("requester runs %s: %v", action, err)
		}
		return res.Msg.GetRun().GetId()
	}
	tokenOf := func(role, runID string) string {
		if role != "backend" {
			return tokens[role]
		}
		return backend.AwaitRun(t, runID, 10*time.Second).RunToken
	}
	ok := connect.Code(0)
	check := func(op, role string, want connect.Code, err error) {
		t.Helper()
		if got := connect.CodeOf(err); (err == nil) != (want == ok) || (err != nil && got != want) {
			t.Errorf("%-9s × %-7s: got %v (%v), want %v", role, op, got, err, want)
		}
	}

	t.Run("execute", func(t *testing.T) {
		want := map[string]connect.Code{"admin": ok, "requester": ok, "teammate": ok,
			"approver": connect.CodePermissionDenied, "outsider": connect.CodePermissionDenied,
			"anonymous": connect.CodeUnauthenticated, "backend": connect.CodePermissionDenied}
		probe := start("open") // a run whose token the backend role uses
		for _, role := range roles {
			_, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "open"}), tokenOf(role, probe)))
			check("execute", role, want[role], err)
		}
	})

	t.Run("view", func(t *testing.T) {
		id := start("open")
		want := map[string]connect.Code{"admin": ok, "requester": ok, "approver": ok,
			"teammate": connect.CodeNotFound, "outsider": connect.CodeNotFound,
			"anonymous": connect.CodeUnauthenticated, "backend": connect.CodePermissionDenied}
		gated := start("gated") // approver@ approves it, so may see it
		for _, role := range roles {
			target := id
			if role == "approver" {
				target = gated
			}
			_, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: target}), tokenOf(role, id)))
			check("view", role, want[role], err)
			_, err = runs.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: target}), tokenOf(role, id)))
			check("logs", role, want[role], err)
			if role == "anonymous" || role == "backend" {
				continue
			}
			list, err := runs.ListRuns(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunsRequest{}), tokenOf(role, id)))
			if err != nil {
				t.Fatalf("%s lists runs: %v", role, err)
			}
			listed := false
			for _, r := range list.Msg.GetRuns() {
				listed = listed || r.GetId() == target
			}
			if listed != (want[role] == ok) {
				t.Errorf("%-9s × list   : run listed %v, want %v", role, listed, want[role] == ok)
			}
		}
	})

	t.Run("approve", func(t *testing.T) {
		// Everyone but the approver is refused; the approver goes last.
		id := start("gated")
		want := map[string]connect.Code{"admin": connect.CodePermissionDenied, "requester": connect.CodePermissionDenied,
			"teammate": connect.CodeNotFound, "outsider": connect.CodeNotFound,
			"anonymous": connect.CodeUnauthenticated, "backend": connect.CodePermissionDenied, "approver": ok}
		for _, role := range []string{"admin", "requester", "teammate", "outsider", "anonymous", "backend", "approver"} {
			tok := tokens[role]
			if role == "backend" {
				tok = tokenOf("backend", start("open"))
			}
			_, err := runs.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id}), tok))
			check("approve", role, want[role], err)
		}
	})

	t.Run("report status", func(t *testing.T) {
		want := map[string]connect.Code{"admin": ok, "backend": ok,
			"requester": connect.CodePermissionDenied, "teammate": connect.CodePermissionDenied, "approver": connect.CodePermissionDenied,
			"outsider": connect.CodePermissionDenied, "anonymous": connect.CodeUnauthenticated}
		for _, role := range roles {
			id := start("open")
			tok := tokenOf(role, id) // the backend reports with this run's own token
			_, err := runs.UpdateRun(ctx, withToken(connect.NewRequest(&slipwayv1.UpdateRunRequest{Id: id, Status: "SUCCESS"}), tok))
			check("report", role, want[role], err)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		want := map[string]connect.Code{"admin": ok, "requester": ok,
			"teammate": connect.CodeNotFound, "outsider": connect.CodeNotFound, "approver": connect.CodePermissionDenied,
			"anonymous": connect.CodeUnauthenticated, "backend": connect.CodePermissionDenied}
		for _, role := range roles {
			id := start("gated")
			tok := tokens[role]
			if role == "backend" {
				tok = tokenOf("backend", start("open")) // another run's token
			}
			_, err := runs.CancelRun(ctx, withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: id}), tok))
			check("cancel", role, want[role], err)
		}
	})

	t.Run("read the audit log", func(t *testing.T) {
		id := start("gated")
		if _, err := runs.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id, Reason: "fine"}), tokens["approver"])); err != nil {
			t.Fatal(err)
		}
		auditAPI := slipwayv1connect.NewAuditServiceClient(http.DefaultClient, s.PortalURL)
		want := map[string]connect.Code{"admin": ok,
			"requester": connect.CodePermissionDenied, "teammate": connect.CodePermissionDenied, "approver": connect.CodePermissionDenied,
			"outsider": connect.CodePermissionDenied, "anonymous": connect.CodeUnauthenticated, "backend": connect.CodePermissionDenied}
		for _, role := range roles {
			res, err := auditAPI.ListAuditEvents(ctx, withToken(connect.NewRequest(&slipwayv1.ListAuditEventsRequest{RunId: id}), tokenOf(role, id)))
			check("audit", role, want[role], err)
			if role != "admin" || err != nil {
				continue
			}
			var got []string
			for _, e := range res.Msg.GetEvents() {
				got = append(got, e.GetActor()+" "+e.GetVerb()+" "+e.GetOrigin())
			}
			if strings.Join(got, "; ") != "approver@example.com approve API; dev1@example.com execute API" {
				t.Errorf("audit events of the run: %q", got)
			}
		}
	})

	t.Run("audit page", func(t *testing.T) {
		doc := login(t, noRedirectClient(t), s.PortalURL, "admin@example.com", "/audit?resource_type=action")
		if n := doc.Find(`[data-testid="audit-row"]`).Length(); n < 2 || !strings.Contains(doc.Find(`[data-testid="audit-events"]`).Text(), "gated") {
			t.Errorf("admin's audit page shows %d action events", n)
		}
		c := noRedirectClient(t)
		login(t, c, s.PortalURL, "dev1@example.com", "/")
		resp, err := c.Get(s.PortalURL + "/audit")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), `data-testid="audit-row"`) {
			t.Errorf("a member's audit page: %d", resp.StatusCode)
		}
	})

	// Catalog writes: each role × register / update / reassign / delete,
	// and what a run's token may write (authz_catalog_test.go).
	t.Run("catalog", func(t *testing.T) {
		catalogMatrix(t, matrix{s: s, tokens: tokens, roles: roles, check: check,
			runToken: func(t *testing.T, action, entity string) (string, string) {
				t.Helper()
				res, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: action, Entity: entity}), tokens["requester"]))
				if err != nil {
					t.Fatalf("requester runs %s: %v", action, err)
				}
				id := res.Msg.GetRun().GetId()
				return id, tokenOf("backend", id)
			}}, backend.URL)
	})

	// Every route and RPC × every role (authz_routes_test.go).
	t.Run("every route", func(t *testing.T) {
		routeMatrix(t, matrix{s: s, tokens: tokens, roles: roles, check: check,
			runToken: func(t *testing.T, action, entity string) (string, string) {
				t.Helper()
				id := start(action)
				return id, tokenOf("backend", id)
			}}, backend.URL)
	})

	t.Run("manage", func(t *testing.T) {
		want := map[string]connect.Code{"admin": ok,
			"requester": connect.CodePermissionDenied, "teammate": connect.CodePermissionDenied, "approver": connect.CodePermissionDenied,
			"outsider": connect.CodePermissionDenied, "anonymous": connect.CodeUnauthenticated, "backend": connect.CodePermissionDenied}
		probe := start("open")
		for _, role := range roles {
			raw := strings.Replace(def("open"), `"teams": ["payments"]`, `"teams": ["payments", "platform"]`, 1)
			var a map[string]any
			_ = json.Unmarshal([]byte(raw), &a)
			_, err := actionsAPI.UpdateAction(ctx, withToken(connect.NewRequest(&slipwayv1.UpdateActionRequest{Identifier: "open", Action: mustStruct(t, a)}), tokenOf(role, probe)))
			check("manage", role, want[role], err)
		}
	})
}
