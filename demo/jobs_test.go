package demo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestScaffoldServiceCreatesARepositoryAndTheService(t *testing.T) {
	needGit(t)
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	b.call(t, "scaffold_service", map[string]any{"inputs": map[string]any{"name": "checkout", "language": "python", "team": "payments"}}, nil)
	final := fake.final(t)
	link := b.url + "/repos/checkout/"
	if final["status"] != "SUCCESS" || final["statusLabel"] != "Service checkout scaffolded" || !sameList(final["link"], link) {
		t.Fatalf("final %v", final)
	}

	repo := filepath.Join(b.reposDir(), "checkout")
	if log := gitOut(t, repo, "log", "--format=%an <%ae>|%s"); log != "Dev One <dev1@example.com>|Scaffold checkout (python) for team payments" {
		t.Errorf("history %q", log)
	}
	files := gitOut(t, repo, "ls-tree", "-r", "--name-only", "HEAD")
	for _, f := range []string{"README.md", "app.py", "Dockerfile", "deploy/replicas.yaml"} {
		if !strings.Contains(files, f) {
			t.Errorf("skeleton lacks %s: %q", f, files)
		}
	}
	e := fake.entity("service/checkout")
	props, _ := e["properties"].(map[string]any)
	if e["team"] != "payments" || props["language"] != "python" || props["repository"] != link || props["replicas"] != 1.0 {
		t.Errorf("entity %v", e)
	}
	if logs := fake.logText(); !strings.Contains(logs, "Created repository checkout") || !strings.Contains(logs, "Registered service checkout") {
		t.Errorf("logs %q", logs)
	}

	// The link leads to the repository's files and history, and it clones.
	status, page := get(t, link)
	if status != 200 || !strings.Contains(page, "README.md") || !strings.Contains(page, "Scaffold checkout") {
		t.Errorf("repository page %d: %s", status, page)
	}
	if status, body := get(t, link+"deploy/replicas.yaml"); status != 200 || !strings.Contains(body, "replicas: 1") {
		t.Errorf("file page %d: %s", status, body)
	}
	if status, _ := get(t, link+"../../../etc/passwd"); status == 200 {
		t.Error("a path outside the repository was served")
	}
	clone := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", b.url+"/git/checkout", clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone over HTTP: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(clone, "app.py")); err != nil {
		t.Error("the clone has no app.py")
	}

	// A second scaffold of the same name fails and says why.
	b.call(t, "scaffold_service", map[string]any{"inputs": map[string]any{"name": "checkout", "language": "go", "team": "payments"}}, nil)
	if final := fake.final(t); final["status"] != "FAILURE" || !strings.Contains(final["statusLabel"].(string), "repository checkout already exists") {
		t.Errorf("second scaffold: %v", final)
	}
}

func TestBadInputsFailTheRunNamingTheField(t *testing.T) {
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	for _, c := range []struct {
		action string
		p      map[string]any
		want   string
	}{
		{"scaffold_service", map[string]any{"inputs": map[string]any{"name": "../etc", "language": "go", "team": "payments"}}, "inputs.name"},
		{"scaffold_service", map[string]any{"inputs": map[string]any{"name": "web", "language": "cobol", "team": "payments"}}, "inputs.language"},
		{"create_environment", map[string]any{"inputs": map[string]any{"name": "pr-1", "service": "web", "ttl_days": 2.5}}, "inputs.ttl_days"},
		{"change_replica_count", map[string]any{"entity": map[string]any{"identifier": "web"}, "inputs": map[string]any{"replicas": 21.0}}, "inputs.replicas"},
		{"redeploy", map[string]any{"entity": map[string]any{"identifier": "pr-1"}, "inputs": map[string]any{"version": "v1; rm -rf"}}, "inputs.version"},
		{"delete_environment", map[string]any{}, "entity"},
		{"delete_environment", map[string]any{"entity": map[string]any{"identifier": ".."}}, "entity.identifier"},
	} {
		b.call(t, c.action, c.p, nil)
		final := fake.final(t)
		if label, _ := final["statusLabel"].(string); final["status"] != "FAILURE" || !strings.HasPrefix(label, c.want+":") {
			t.Errorf("%s %v: final %v, want FAILURE naming %s", c.action, c.p, final, c.want)
		}
	}
}

func TestEnvironmentLifecycle(t *testing.T) {
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	// The clock also checks signatures' age: it stays near the real time.
	start := time.Now().UTC().Truncate(time.Second)
	clock := &testClock{t: start}
	b.now = clock.now
	stamp := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }

	b.call(t, "create_environment", map[string]any{"inputs": map[string]any{"name": "pr-7", "service": "checkout", "ttl_days": 3.0}}, nil)
	final := fake.final(t)
	envURL := b.url + "/environments/pr-7"
	if final["status"] != "SUCCESS" || !sameList(final["link"], envURL) || !strings.Contains(final["statusLabel"].(string), "up until "+start.AddDate(0, 0, 3).Format("2 Jan 2006 15:04")) {
		t.Fatalf("create: %v", final)
	}
	e := fake.entity("environment/pr-7")
	props, _ := e["properties"].(map[string]any)
	rels, _ := e["relations"].(map[string]any)
	if props["expires_at"] != stamp(72*time.Hour) || props["url"] != envURL || props["replicas"] != 1.0 || rels["service"] != "checkout" {
		t.Fatalf("entity %v", e)
	}
	if status, body := get(t, envURL); status != 200 || !strings.Contains(body, `"service": "checkout"`) {
		t.Errorf("environment page %d: %s", status, body)
	}

	// DAY-2 actions get the entity's snapshot and write it back changed.
	b.call(t, "extend_environment_ttl", map[string]any{"entity": e}, nil)
	if final := fake.final(t); final["status"] != "SUCCESS" {
		t.Fatalf("extend: %v", final)
	}
	e = fake.entity("environment/pr-7")
	props = e["properties"].(map[string]any)
	if props["expires_at"] != stamp(144*time.Hour) || props["url"] != envURL || e["relations"].(map[string]any)["service"] != "checkout" {
		t.Fatalf("extended entity %v", e)
	}
	if st, _ := b.readEnv("pr-7"); st.ExpiresAt != stamp(144*time.Hour) {
		t.Errorf("state file expiry %q", st.ExpiresAt)
	}

	clock.advance(time.Minute)
	b.call(t, "redeploy", map[string]any{"entity": e, "inputs": map[string]any{"version": "1.4.2"}}, nil)
	if final := fake.final(t); final["status"] != "SUCCESS" || final["statusLabel"] != "Deployed 1.4.2 to pr-7" {
		t.Fatalf("redeploy: %v", final)
	}
	props = fake.entity("environment/pr-7")["properties"].(map[string]any)
	if props["version"] != "1.4.2" || props["deployed_at"] != stamp(time.Minute) || props["expires_at"] != stamp(144*time.Hour) {
		t.Errorf("redeployed entity %v", props)
	}
	if !strings.Contains(fake.logText(), "Pulling image checkout:1.4.2") {
		t.Errorf("logs %q", fake.logText())
	}

	b.call(t, "delete_environment", map[string]any{"entity": e, "trigger": map[string]any{"origin": "AUTOMATION"}}, nil)
	if final := fake.final(t); final["status"] != "SUCCESS" {
		t.Fatalf("delete: %v", final)
	}
	if _, err := os.Stat(b.envPath("pr-7")); !os.IsNotExist(err) {
		t.Errorf("state file still there: %v", err)
	}
	if !strings.Contains(fake.logText(), "Environment pr-7 expired") {
		t.Errorf("an expiry run should say so: %q", fake.logText())
	}
}

// When Slipway refuses the entity, the run fails with Slipway's reason and
// nothing is left behind to block a corrected retry.
func TestCatalogRefusalFailsTheRunAndUndoes(t *testing.T) {
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	fake.mu.Lock()
	fake.refuse = `entity.relations.service: no service entity "ghost"`
	fake.mu.Unlock()
	b.call(t, "create_environment", map[string]any{"inputs": map[string]any{"name": "pr-8", "service": "ghost", "ttl_days": 3.0}}, nil)
	final := fake.final(t)
	if final["status"] != "FAILURE" || !strings.Contains(final["statusLabel"].(string), `no service entity "ghost"`) {
		t.Fatalf("final %v", final)
	}
	if _, err := os.Stat(b.envPath("pr-8")); !os.IsNotExist(err) {
		t.Errorf("state file left behind: %v", err)
	}
}

func TestChangeReplicaCountCommitsToTheRepository(t *testing.T) {
	needGit(t)
	fake, slipway := newFakeSlipway(t)
	b := newTestBackend(t, slipway.URL)
	// A service that never had a repository (made outside the demo) gets one.
	svc := map[string]any{"blueprint": "service", "identifier": "ledger", "team": "payments",
		"properties": map[string]any{"language": "go", "replicas": 1.0}}
	b.call(t, "change_replica_count", map[string]any{"entity": svc, "inputs": map[string]any{"replicas": 3.0}}, nil)
	if final := fake.final(t); final["status"] != "SUCCESS" || final["statusLabel"] != "Scaled ledger to 3 replicas" {
		t.Fatalf("final %v", final)
	}
	repo := filepath.Join(b.reposDir(), "ledger")
	if log := gitOut(t, repo, "log", "--format=%s"); log != "Scale ledger to 3 replicas\nScaffold ledger (go) for team payments" {
		t.Errorf("history %q", log)
	}
	if yaml := gitOut(t, repo, "show", "HEAD:deploy/replicas.yaml"); !strings.Contains(yaml, "replicas: 3") {
		t.Errorf("replicas.yaml %q", yaml)
	}
	e := fake.entity("service/ledger")
	if props := e["properties"].(map[string]any); props["replicas"] != 3.0 || props["language"] != "go" || e["team"] != "payments" {
		t.Errorf("entity %v", e)
	}

	// The same count again commits nothing.
	b.call(t, "change_replica_count", map[string]any{"entity": e, "inputs": map[string]any{"replicas": 3.0}}, nil)
	if final := fake.final(t); final["status"] != "SUCCESS" {
		t.Fatalf("final %v", final)
	}
	if n := gitOut(t, repo, "rev-list", "--count", "HEAD"); n != "2" {
		t.Errorf("%s commits after an unchanged count, want 2", n)
	}
}

// testClock is a time the test moves; jobs read it from other goroutines.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func sameList(v any, want ...string) bool {
	list, _ := v.([]any)
	if len(list) != len(want) {
		return false
	}
	for i, w := range want {
		if list[i] != w {
			return false
		}
	}
	return true
}
