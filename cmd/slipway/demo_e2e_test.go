//go:build !slipway_lean

package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// The demo works end to end on the real dev stack: its seeded actions call
// the in-process demo backend, which makes real Git repositories and
// environment state and writes the catalog back with each run's token.
func TestDemoEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		testkit.Missing(t, "git", err)
	}
	s := mustStartDevWith(t, t.TempDir(), func(c *config.Config) { c.Demo = true })
	defer s.Close()
	ctx := context.Background()
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	cat := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
	demoDir := filepath.Join(s.DataDir, "demo")

	entity := func(blueprint, id string) map[string]any {
		t.Helper()
		got, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: blueprint, Identifier: id}), s.Token))
		if err != nil {
			t.Fatalf("%s/%s: %v", blueprint, id, err)
		}
		return got.Msg.GetEntity().AsMap()
	}
	props := func(e map[string]any) map[string]any { p, _ := e["properties"].(map[string]any); return p }
	// run starts an action and waits until it ends, or waits for approval.
	run := func(action, entityID string, inputs map[string]any) *slipwayv1.Run {
		t.Helper()
		req := &slipwayv1.ExecuteActionRequest{Action: action, Entity: entityID}
		if inputs != nil {
			req.Properties = mustStruct(t, inputs)
		}
		started, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(req), s.Token))
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		var r *slipwayv1.Run
		waitUntil(t, 20*time.Second, action+" to end", func() bool {
			got, err := runs.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: started.Msg.GetRun().GetId()}), s.Token))
			if err != nil {
				return false
			}
			r = got.Msg.GetRun()
			return r.GetEndedAt() != nil || r.GetStatus() == "WAITING_FOR_APPROVAL"
		})
		return r
	}
	succeeded := func(r *slipwayv1.Run) {
		t.Helper()
		if r.GetStatus() != "SUCCESS" {
			t.Fatalf("%s ended %s: %q", r.GetAction(), r.GetStatus(), r.GetStatusLabel())
		}
	}

	// The seed gave the catalog services to work on.
	if e := entity("service", "payments-api"); e["team"] != "payments" {
		t.Errorf("seeded service %v", e)
	}

	// Scaffold a service: a real repository, the entity, logs, a link.
	r := run("scaffold_service", "", map[string]any{"name": "checkout", "language": "go", "team": "payments"})
	succeeded(r)
	repoLink := s.DemoBackendURL + "/repos/checkout/"
	if links := r.GetLink(); len(links) != 1 || links[0] != repoLink {
		t.Errorf("scaffold links %v, want %s", links, repoLink)
	}
	repo := filepath.Join(demoDir, "repos", "checkout")
	if n := gitIn(t, repo, "rev-list", "--count", "HEAD"); n != "1" {
		t.Errorf("new repository has %s commits", n)
	}
	if status, page := getPage(t, repoLink); status != http.StatusOK || !strings.Contains(page, "main.go") {
		t.Errorf("repository page %d: %s", status, page)
	}
	if e := entity("service", "checkout"); e["team"] != "payments" || props(e)["language"] != "go" || props(e)["repository"] != repoLink {
		t.Errorf("scaffolded service %v", e)
	}
	logs, err := runs.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: r.GetId()}), s.Token))
	if err != nil || len(logs.Msg.GetLogs()) < 3 || !strings.Contains(logs.Msg.GetLogs()[1].GetMessage(), "Created repository checkout") {
		t.Errorf("scaffold logs %v, %v", logs, err)
	}

	// Create an environment for 3 days: no approval needed under 6.
	before := time.Now()
	succeeded(run("create_environment", "", map[string]any{"name": "checkout-pr-1", "service": "checkout", "ttl_days": 3}))
	expires, err := time.Parse(time.RFC3339, props(entity("environment", "checkout-pr-1"))["expires_at"].(string))
	if err != nil || expires.Before(before.Add(72*time.Hour-time.Second)) || expires.After(time.Now().Add(72*time.Hour)) {
		t.Errorf("expires_at %v (%v), want 3 days from now", expires, err)
	}
	if _, err := os.Stat(filepath.Join(demoDir, "environments", "checkout-pr-1.json")); err != nil {
		t.Errorf("environment state: %v", err)
	}

	// Extend its TTL: the expiry moves 3 days later.
	succeeded(run("extend_environment_ttl", "checkout-pr-1", nil))
	extended, _ := time.Parse(time.RFC3339, props(entity("environment", "checkout-pr-1"))["expires_at"].(string))
	if !extended.Equal(expires.Add(72 * time.Hour)) {
		t.Errorf("extended expiry %v, want %v", extended, expires.Add(72*time.Hour))
	}

	// Redeploy a version.
	succeeded(run("redeploy", "checkout-pr-1", map[string]any{"version": "1.2.3"}))
	if p := props(entity("environment", "checkout-pr-1")); p["version"] != "1.2.3" || p["deployed_at"] == nil || p["expires_at"] != extended.UTC().Format(time.RFC3339) {
		t.Errorf("redeployed environment %v", p)
	}

	// Change the service's replica count: a new commit, and the entity follows.
	succeeded(run("change_replica_count", "checkout", map[string]any{"replicas": 4}))
	if n := gitIn(t, repo, "rev-list", "--count", "HEAD"); n != "2" {
		t.Errorf("repository has %s commits after scaling, want 2", n)
	}
	if yaml := gitIn(t, repo, "show", "HEAD:deploy/replicas.yaml"); !strings.Contains(yaml, "replicas: 4") {
		t.Errorf("replicas.yaml %q", yaml)
	}
	if p := props(entity("service", "checkout")); p["replicas"] != 4.0 || p["language"] != "go" {
		t.Errorf("scaled service %v", p)
	}

	// Check the service: served by the example team's own Temporal worker
	// (examples/teamworker), on a plain client beside Slipway's encrypted
	// payloads; its lines, link and summary reach the run.
	checked := run("check_service", "checkout", nil)
	succeeded(checked)
	if checked.GetStatusLabel() != "3 checks passed" || len(checked.GetLink()) != 1 || checked.GetLink()[0] != repoLink || !strings.Contains(checked.GetSummary(), "3 of 3 checks passed") {
		t.Errorf("check_service run %v", checked)
	}
	if logs, err := runs.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: checked.GetId()}), s.Token)); err != nil || len(logs.Msg.GetLogs()) != 3 {
		t.Errorf("check_service logs %v, %v", logs, err)
	}

	// More than 5 days needs approval.
	if r := run("create_environment", "", map[string]any{"name": "checkout-long", "service": "checkout", "ttl_days": 7}); r.GetStatus() != "WAITING_FOR_APPROVAL" {
		t.Errorf("a 7-day environment: %s %q, want WAITING_FOR_APPROVAL", r.GetStatus(), r.GetStatusLabel())
	} else if _, err := runs.CancelRun(ctx, withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: r.GetId()}), s.Token)); err != nil {
		t.Error(err)
	}

	// Delete the environment: its state goes, and Slipway removes the entity.
	succeeded(run("delete_environment", "checkout-pr-1", nil))
	if _, err := cat.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "environment", Identifier: "checkout-pr-1"}), s.Token)); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("deleted environment still in the catalog: %v", err)
	}
	if _, err := os.Stat(filepath.Join(demoDir, "environments", "checkout-pr-1.json")); !os.IsNotExist(err) {
		t.Errorf("environment state left behind: %v", err)
	}
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v: %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}
