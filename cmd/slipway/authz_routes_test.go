//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

// routeRoles are who calls each route, in the order they call it: the
// admin last, so that a route that changes or removes something is first
// tried by everyone who must be refused. "backend" is a run's own token;
// "outsider" is a member of no team.
var routeRoles = []string{"anonymous", "backend", "outsider", "requester", "admin"}

// route is one cell row of the matrix: a call and what each role gets.
// want holds a Connect code ("ok", "permission_denied"...) for RPCs and an
// HTTP status ("200", "303"...) for everything else.
type route struct {
	pattern string // as the frontend registers it, or the RPC's procedure
	method  string
	path    func() string
	body    func(role string) string
	want    map[string]string
	// before runs ahead of each role's call (fresh state for changes).
	before func(t *testing.T)
}

// every lets one outcome stand for every role but those listed.
func every(outcome string, except ...string) map[string]string {
	m := map[string]string{}
	for _, r := range routeRoles {
		m[r] = outcome
	}
	for i := 0; i+1 < len(except); i += 2 {
		m[except[i]] = except[i+1]
	}
	return m
}

// users is what signed-in people get on a route everyone may use: the
// anonymous caller must authenticate, a run token may only report.
func users(outcome string, except ...string) map[string]string {
	return every(outcome, append([]string{"anonymous", "unauthenticated", "backend", "permission_denied"}, except...)...)
}

// admins is an admin-only RPC.
func admins() map[string]string {
	return every("permission_denied", "anonymous", "unauthenticated", "admin", "ok")
}

// pages is a portal page: sign-in first for anyone without a session (a
// bearer token is no session).
func pages(outcome string, except ...string) map[string]string {
	return every(outcome, append([]string{"anonymous", "303", "backend", "303"}, except...)...)
}

// forms is a portal form: refused without a session's CSRF token, so
// before any sign-in check.
func forms(outcome string, except ...string) map[string]string {
	return every(outcome, append([]string{"anonymous", "403", "backend", "403"}, except...)...)
}

// routeMatrix calls every route the frontend serves, and every RPC of every
// Connect service, as each role, and fails when a route has no row: a new
// endpoint cannot ship without its cells.
func routeMatrix(t *testing.T, m matrix, backendURL string) {
	ctx := context.Background()
	base := m.s.PortalURL
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, base)
	rpc := func(service, method string) string { return "/slipway.v1." + service + "/" + method }
	mustRPC := func(path, body string) string {
		t.Helper()
		status, out := postJSON(t, base+path, m.tokens["admin"], body)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, out)
		}
		return out
	}
	mustRPC(rpc("CatalogService", "CreateBlueprint"), `{"blueprint": {"identifier": "route_bp", "schema": {"properties": {}}}}`)
	mustRPC(rpc("CatalogService", "UpsertEntity"), `{"entity": {"blueprint": "route_bp", "identifier": "e1", "team": "payments"}}`)
	execute := func(action string) string {
		t.Helper()
		res, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: action}), m.tokens["requester"]))
		if err != nil {
			t.Fatalf("requester runs %s: %v", action, err)
		}
		return res.Msg.GetRun().GetId()
	}
	// The requester's private runs: one in progress, one waiting for approver@.
	running, backendToken := m.runToken(t, "open", "")
	waiting := execute("gated")
	fresh := waiting // a waiting run for routes that end one; renewed by before
	renew := func(*testing.T) { fresh = execute("gated") }
	seedEntity := func(t *testing.T) {
		mustRPC(rpc("CatalogService", "UpsertEntity"), `{"entity": {"blueprint": "route_bp", "identifier": "e2", "team": "payments"}}`)
	}
	seedAction := func(t *testing.T) {
		_, _ = postJSON(t, base+rpc("ActionService", "CreateAction"), m.tokens["admin"], actionJSON("route_probe", backendURL))
	}
	seedSecret := func(t *testing.T) {
		mustRPC(rpc("SecretService", "SetSecret"), `{"name": "ROUTE_PROBE", "value": "probe-value"}`)
	}
	const noToken = "00000000-0000-0000-0000-000000000001"

	sessions := map[string]*portalSession{"anonymous": anonymousSession(t, base), "backend": anonymousSession(t, base),
		"outsider": signedIn(t, base, "outsider@example.com"), "requester": signedIn(t, base, "dev1@example.com"),
		"admin": signedIn(t, base, "admin@example.com")}
	at := func(path string) func() string { return func() string { return path } }
	run := func(suffix string) func() string { return func() string { return "/runs/" + running + suffix } }
	body := func(s string) func(string) string { return func(string) string { return s } }
	idBody := func(id *string, extra string) func(string) string {
		return func(string) string { return fmt.Sprintf(`{"id": %q%s}`, *id, extra) }
	}

	rows := []route{
		// IdentityService: everyone signed in, about themselves.
		{pattern: rpc("IdentityService", "WhoAmI"), body: body(`{}`), want: users("ok")},
		{pattern: rpc("IdentityService", "ListTokens"), body: body(`{}`), want: users("ok")},
		{pattern: rpc("IdentityService", "CreateToken"), body: body(`{"name": "matrix"}`), want: users("ok")},
		{pattern: rpc("IdentityService", "RevokeToken"), body: body(`{"id": "` + noToken + `"}`), want: users("not_found")},
		// ActionService: admins write; members read what they may run.
		{pattern: rpc("ActionService", "CreateAction"), body: body(actionJSON("route_new", backendURL)), want: admins()},
		{pattern: rpc("ActionService", "UpdateAction"), before: seedAction,
			body: body(`{"identifier": "route_probe", ` + strings.TrimPrefix(actionJSON("route_probe", backendURL), "{")), want: admins()},
		{pattern: rpc("ActionService", "GetAction"), body: body(`{"identifier": "gated"}`), want: users("ok", "outsider", "not_found")},
		{pattern: rpc("ActionService", "ListActions"), body: body(`{}`), want: users("ok")},
		{pattern: rpc("ActionService", "DeleteAction"), before: seedAction, body: body(`{"identifier": "route_probe"}`), want: admins()},
		// SecretService: admins only.
		{pattern: rpc("SecretService", "SetSecret"), body: body(`{"name": "ROUTE_NEW", "value": "v"}`), want: admins()},
		{pattern: rpc("SecretService", "ListSecrets"), body: body(`{}`), want: admins()},
		{pattern: rpc("SecretService", "DeleteSecret"), before: seedSecret, body: body(`{"name": "ROUTE_PROBE"}`), want: admins()},
		// AuditService: admins only.
		{pattern: rpc("AuditService", "ListAuditEvents"), body: body(`{}`), want: admins()},
		// CatalogService: admins shape blueprints; the owning team writes its entities.
		{pattern: rpc("CatalogService", "CreateBlueprint"), body: body(`{"blueprint": {"identifier": "route_new", "schema": {"properties": {}}}}`), want: admins()},
		{pattern: rpc("CatalogService", "UpdateBlueprint"), body: body(`{"blueprint": {"identifier": "route_bp", "title": "Route", "schema": {"properties": {}}}}`), want: admins()},
		{pattern: rpc("CatalogService", "GetBlueprint"), body: body(`{"identifier": "route_bp"}`), want: users("ok")},
		{pattern: rpc("CatalogService", "ListBlueprints"), body: body(`{}`), want: users("ok")},
		{pattern: rpc("CatalogService", "DeleteBlueprint"), body: body(`{"identifier": "route_new"}`), want: admins()},
		{pattern: rpc("CatalogService", "UpsertEntity"), body: body(`{"entity": {"blueprint": "route_bp", "identifier": "e1", "team": "payments", "title": "E1"}}`),
			want: users("ok", "outsider", "permission_denied")},
		{pattern: rpc("CatalogService", "GetEntity"), body: body(`{"blueprint": "route_bp", "identifier": "e1"}`), want: users("ok")},
		{pattern: rpc("CatalogService", "ListEntities"), body: body(`{"blueprint": "route_bp"}`), want: users("ok")},
		{pattern: rpc("CatalogService", "DeleteEntity"), before: seedEntity, body: body(`{"blueprint": "route_bp", "identifier": "e2"}`),
			want: users("ok", "outsider", "permission_denied")},
		// RunService: the requester and admins see private runs; the run's
		// backend (its token) and admins report; approver@ alone approves.
		{pattern: rpc("RunService", "ExecuteAction"), body: body(`{"action": "open"}`), want: users("ok", "outsider", "permission_denied")},
		{pattern: rpc("RunService", "DryRunAction"), body: body(`{"action": "open"}`), want: users("ok", "outsider", "permission_denied")},
		{pattern: rpc("RunService", "GetRun"), body: idBody(&running, ""), want: users("ok", "outsider", "not_found")},
		{pattern: rpc("RunService", "ListRuns"), body: body(`{}`), want: users("ok")},
		{pattern: rpc("RunService", "ApproveRun"), body: idBody(&waiting, ""), want: users("permission_denied", "outsider", "not_found")},
		{pattern: rpc("RunService", "DeclineRun"), body: idBody(&waiting, ""), want: users("permission_denied", "outsider", "not_found")},
		{pattern: rpc("RunService", "UpdateRun"), body: idBody(&running, `, "statusLabel": "matrix"`),
			want: every("permission_denied", "anonymous", "unauthenticated", "backend", "ok", "admin", "ok")},
		{pattern: rpc("RunService", "AddRunLog"), body: idBody(&running, `, "message": "matrix"`),
			want: every("permission_denied", "anonymous", "unauthenticated", "backend", "ok", "admin", "ok")},
		{pattern: rpc("RunService", "ListRunLogs"), body: idBody(&running, ""), want: users("ok", "outsider", "not_found")},
		{pattern: rpc("RunService", "CancelRun"), before: renew, body: idBody(&fresh, ""), want: users("ok", "outsider", "not_found")},
		{pattern: rpc("RunService", "RerunRun"), body: idBody(&running, ""), want: users("ok", "outsider", "not_found")},
		{pattern: rpc("RunService", "WatchRun"), body: idBody(&running, ""), want: users("ok", "outsider", "not_found")},

		// Public by design: probes and the binary's own assets.
		{pattern: "GET /healthz/live", path: at("/healthz/live"), want: every("200")},
		{pattern: "GET /healthz/ready", path: at("/healthz/ready"), want: every("200")},
		{pattern: "GET /healthz", path: at("/healthz"), want: every("200")},
		{pattern: "GET /static/", path: at("/static/slipway.css"), want: every("200")},
		// Sign-in.
		{pattern: "GET /login", path: at("/login"), want: every("303", "anonymous", "200", "backend", "200")}, // signed in: on to next
		// Without the login form's own token; with a session's, as nobody.
		{pattern: "POST /login", path: at("/login"), want: forms("401")},
		// Portal pages.
		{pattern: "GET /{$}", path: at("/"), want: pages("200")},
		// Any other path is the portal's 404 page, signed in or not.
		{pattern: "/", method: http.MethodGet, path: at("/no-such-page"), want: every("404")},
		{pattern: "GET /catalog", path: at("/catalog"), want: pages("200")},
		{pattern: "GET /catalog/{blueprint}", path: at("/catalog/route_bp"), want: pages("200")},
		{pattern: "GET /catalog/{blueprint}/{identifier}", path: at("/catalog/route_bp/e1"), want: pages("200")},
		{pattern: "GET /audit", path: at("/audit"), want: pages("403", "admin", "200")},
		// Secrets: admins only; to anyone else the page does not exist.
		{pattern: "GET /secrets", path: at("/secrets"), want: pages("404", "admin", "200")},
		{pattern: "POST /secrets", path: at("/secrets"), want: forms("404", "admin", "200")}, // no value: says so in the table
		{pattern: "POST /secrets/{name}/delete", before: seedSecret, path: at("/secrets/ROUTE_PROBE/delete"), want: forms("404", "admin", "200")},
		// The action editor: admins only; to anyone else it does not exist.
		{pattern: "GET /actions", path: at("/actions"), want: pages("404", "admin", "200")},
		{pattern: "GET /actions/new", path: at("/actions/new?copy=gated"), want: pages("404", "admin", "200")},
		{pattern: "GET /actions/{action}/edit", path: at("/actions/gated/edit"), want: pages("404", "admin", "200")},
		{pattern: "POST /actions/check", path: at("/actions/check"), want: forms("404", "admin", "200")}, // no definition: listed as a problem
		{pattern: "POST /actions", path: at("/actions"), want: forms("404", "admin", "422")},             // no definition: the editor again, with the problem
		{pattern: "GET /actions/{action}/versions/{version}", path: at("/actions/gated/versions/1"), want: pages("404", "admin", "200")},
		{pattern: "POST /actions/{action}/versions/{version}/restore", before: seedAction, path: at("/actions/route_probe/versions/1/restore"),
			want: forms("404", "admin", "303")},
		{pattern: "POST /actions/{action}/delete", before: seedAction, path: at("/actions/route_probe/delete"), want: forms("404", "admin", "303")},
		{pattern: "GET /self-service", path: at("/self-service"), want: pages("200")},
		{pattern: "GET /self-service/{action}", path: at("/self-service/gated"), want: pages("200", "outsider", "404")},
		{pattern: "POST /self-service/{action}", path: at("/self-service/gated"), want: forms("303", "outsider", "404")},
		{pattern: "POST /self-service/{action}/form", path: at("/self-service/gated/form"), want: forms("200", "outsider", "404")}, // no change: no fields
		// A dry run: a fragment with the preview or the reasons for none.
		{pattern: "POST /self-service/{action}/preview", path: at("/self-service/gated/preview"), want: forms("200", "outsider", "404")},
		{pattern: "GET /self-service/{action}/choices", path: at("/self-service/gated/choices?input=x"), want: pages("400", "outsider", "404")}, // no input x
		{pattern: "GET /runs", path: at("/runs"), want: pages("200")},
		{pattern: "GET /runs/{id}", path: run(""), want: pages("200", "outsider", "404")},
		{pattern: "GET /runs/{id}/live", path: run("/live"), want: pages("200", "outsider", "404")},
		{pattern: "GET /runs/{id}/logs", path: run("/logs?after_seq=0"), want: pages("200", "outsider", "404")},
		{pattern: "GET /runs/{id}/events", path: run("/events"), want: pages("200", "outsider", "404")},
		{pattern: "POST /runs/{id}/decide", path: func() string { return "/runs/" + waiting + "/decide" },
			want: forms("403", "outsider", "404")},
		{pattern: "POST /runs/{id}/cancel", before: renew, path: func() string { return "/runs/" + fresh + "/cancel" },
			want: forms("303", "outsider", "404")},
		{pattern: "GET /approvals", path: at("/approvals"), want: pages("200")},
		// Every signed-in user has insights, over the runs they may see.
		{pattern: "GET /insights", path: at("/insights"), want: pages("200")},
		{pattern: "GET /notifications", path: at("/notifications"), want: pages("200")},
		{pattern: "POST /notifications/read", path: at("/notifications/read"), want: forms("303")},
		{pattern: "GET /tokens", path: at("/tokens"), want: pages("200")},
		{pattern: "POST /tokens", path: at("/tokens"), want: forms("200")}, // shows the new token once
		{pattern: "POST /tokens/{id}/revoke", path: at("/tokens/" + noToken + "/revoke"), want: forms("404")},
		// Port's REST API: bearer tokens, like the Connect API.
		{pattern: "PATCH /v1/actions/runs/{id}", path: func() string { return "/v1/actions/runs/" + running },
			body: body(`{"statusLabel": "matrix"}`), want: every("403", "anonymous", "401", "backend", "200", "admin", "200")},
		{pattern: "POST /v1/actions/runs/{id}/logs", path: func() string { return "/v1/actions/runs/" + running + "/logs" },
			body: body(`{"message": "matrix"}`), want: every("403", "anonymous", "401", "backend", "201", "admin", "201")},
		{pattern: "PATCH /v1/actions/runs/{id}/approval", path: func() string { return "/v1/actions/runs/" + waiting + "/approval" },
			body: body(`{"status": "APPROVE"}`), want: every("403", "anonymous", "401", "outsider", "404")},
		{pattern: "POST /v1/actions/{action}/runs", path: at("/v1/actions/open/runs"),
			body: body(`{"properties": {}}`), want: every("202", "anonymous", "401", "backend", "403", "outsider", "403")},
		// Temporal's remote codec: admins only.
		{pattern: "/codec/", method: http.MethodPost, path: at("/codec/decode"), body: body(`{"payloads": []}`),
			want: every("403", "anonymous", "401", "backend", "401", "admin", "200")},
		// Metrics: the metrics token alone (SLIPWAY_METRICS_TOKEN), no
		// session or API token, not even an admin's (TestTelemetryOfARun).
		{pattern: "GET /metrics", path: at("/metrics"), want: every("401")},
		// Last: signing out ends the sessions the rows above use.
		{pattern: "POST /logout", path: at("/logout"), want: forms("303")},
	}

	t.Run("covers every route", func(t *testing.T) {
		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.pattern] = true
		}
		for _, p := range expandRoutes(t, m.s.Routes) {
			if !covered[p] {
				t.Errorf("route %q has no row in the authorization matrix", p)
			}
		}
	})

	tokenOf := func(role string) string {
		if role == "backend" {
			return backendToken
		}
		return m.tokens[role]
	}
	for _, r := range rows {
		for _, role := range routeRoles {
			if r.before != nil {
				r.before(t)
			}
			var got string
			switch {
			case strings.HasPrefix(r.pattern, "/slipway.v1."):
				got = callRPC(t, base, r, role, tokenOf(role), runs)
			case r.body != nil:
				got = callREST(t, base, r, role, tokenOf(role))
			default:
				got = sessions[role].call(t, r)
			}
			if got != r.want[role] {
				t.Errorf("%-9s × %s: got %s, want %s", role, r.pattern, got, r.want[role])
			}
		}
	}
}

func actionJSON(id, backendURL string) string {
	return fmt.Sprintf(`{"action": {"identifier": %q, "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, id, backendURL)
}

// expandRoutes lists the frontend's patterns with each Connect service
// replaced by its procedures.
func expandRoutes(t *testing.T, patterns []string) []string {
	var out []string
	for _, p := range patterns {
		name, isService := strings.CutPrefix(p, "/")
		if !isService || !strings.HasPrefix(name, "slipway.v1.") {
			out = append(out, p)
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(strings.TrimSuffix(name, "/")))
		if err != nil {
			t.Fatalf("service %s: %v", p, err)
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			out = append(out, p+string(methods.Get(i).Name()))
		}
	}
	slices.Sort(out)
	return out
}

// callRPC calls a procedure through Connect's JSON protocol (WatchRun, a
// server stream, through the typed client) and returns "ok" or the code.
func callRPC(t *testing.T, base string, r route, role, token string, runs slipwayv1connect.RunServiceClient) string {
	t.Helper()
	if strings.HasSuffix(r.pattern, "/WatchRun") {
		req := connect.NewRequest(&slipwayv1.WatchRunRequest{Id: strings.Split(r.body(role), `"`)[3]})
		if token != "" {
			withToken(req, token)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stream, err := runs.WatchRun(ctx, req)
		if err == nil && !stream.Receive() {
			err = stream.Err()
		}
		if err != nil {
			return connect.CodeOf(err).String()
		}
		return "ok"
	}
	status, out := postJSON(t, base+r.pattern, token, r.body(role))
	if status == http.StatusOK {
		return "ok"
	}
	var e struct{ Code string }
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Code == "" {
		return fmt.Sprintf("HTTP %d %.100s", status, out)
	}
	return e.Code
}

// callREST sends a Port-style REST call (or the codec's) with a bearer token.
func callREST(t *testing.T, base string, r route, role, token string) string {
	t.Helper()
	method, _, _ := strings.Cut(r.pattern, " ")
	if r.method != "" {
		method = r.method
	}
	req, _ := http.NewRequest(method, base+r.path(), strings.NewReader(r.body(role)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") { // a live stream goes on
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode)
}

// portalSession is a browser: a cookie jar, no redirects followed, and the
// CSRF token of its session.
type portalSession struct {
	base string
	c    *http.Client
	csrf string
}

func anonymousSession(t *testing.T, base string) *portalSession {
	return &portalSession{base: base, c: noRedirectClient(t)}
}

func signedIn(t *testing.T, base, email string) *portalSession {
	t.Helper()
	p := anonymousSession(t, base)
	doc := login(t, p.c, base, email, "/tokens")
	p.csrf, _ = doc.Find(`input[name="csrf_token"]`).First().Attr("value")
	return p
}

// call requests the route as a browser would (forms with the session's
// CSRF token) and returns the HTTP status.
func (p *portalSession) call(t *testing.T, r route) string {
	t.Helper()
	method, _, _ := strings.Cut(r.pattern, " ")
	if r.method != "" { // a pattern for every method, called with one
		method = r.method
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(url.Values{"csrf_token": {p.csrf}, "approve": {"true"}, "name": {"matrix"}}.Encode())
	}
	req, _ := http.NewRequest(method, p.base+r.path(), body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") { // a live stream goes on
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode)
}
