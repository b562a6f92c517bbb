package selfservice_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/testkit"
)

const dryRunDeploy = `{"identifier": "deploy", "title": "Deploy",
  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
    "userInputs": {"properties": {
      "env": {"type": "string", "enum": ["dev", "prod"]},
      "replicas": {"type": "number", "maximum": 3, "default": 1},
      "password": {"type": "string", "encryption": "aes256-gcm"}},
    "required": ["env"]}},
  "invocationMethod": {"type": "WEBHOOK", "url": "https://hooks.example/deploy/{{ .inputs.env }}",
    "headers": {"Authorization": "Bearer {{ .secrets.DEPLOY_TOKEN }}", "X-Env": "{{ .inputs.env }}"},
    "body": {"env": "{{ .inputs.env }}", "replicas": "{{ .inputs.replicas }}", "password": "{{ .inputs.password }}", "by": "{{ .trigger.by.user.email }}"}},
  "requiredApproval": {"type": "ANY", "when": ".inputs.env == \"prod\""},
  "allowSelfApproval": true,
  "approvalStages": [{"title": "lead", "approvers": {"users": ["approver@example.com"]}}, {"title": "admins", "approvers": {"roles": ["admin"]}}]}`

func dryRunFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	store := secretstore.Store{DB: f.svc.Store, Keys: testkit.Keyring(t, testkit.NewKey(t))}
	if _, err := store.Set(ctx, f.admin, "DEPLOY_TOKEN", "tok-plaintext"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(dryRunDeploy)); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDryRunRendersTheRequestWithSecretsMasked(t *testing.T) {
	t.Parallel()
	f := dryRunFixture(t)
	ctx := context.Background()
	got, err := f.svc.DryRun(ctx, f.admin, "deploy", "", map[string]any{"env": "prod", "password": "hunter2"}, "", runs.OriginAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Violations) > 0 {
		t.Fatalf("violations: %v", got.Violations)
	}
	if got.Inputs["replicas"] != float64(1) || got.Inputs["password"] != secrets.Mask {
		t.Errorf("inputs: %v", got.Inputs)
	}
	if !got.Approval.Required || len(got.Approval.Stages) != 2 || got.Approval.Stages[0].Title != "lead" ||
		strings.Join(got.Approval.Stages[0].Approvers, ",") != "approver@example.com" {
		t.Errorf("approval: %+v", got.Approval)
	}
	req := got.Backend.Request
	if got.Backend.Type != "WEBHOOK" || req == nil {
		t.Fatalf("backend: %+v", got.Backend)
	}
	if req.Method != "POST" || req.URL != "https://hooks.example/deploy/prod" {
		t.Errorf("request: %s %s", req.Method, req.URL)
	}
	if req.Headers["Authorization"] != "Bearer "+secrets.Mask || req.Headers["X-Env"] != "prod" {
		t.Errorf("headers: %v", req.Headers)
	}
	signed := 0
	for k, v := range req.Headers {
		if strings.Contains(strings.ToLower(k), "signature") {
			signed++
			if v != secrets.Mask {
				t.Errorf("signature %s shown: %s", k, v)
			}
		}
	}
	if signed == 0 {
		t.Errorf("no signature headers: %v", req.Headers)
	}
	var body map[string]any
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["env"] != "prod" || body["password"] != secrets.Mask || body["by"] != "admin@example.com" {
		t.Errorf("body: %s", req.Body)
	}
	all, _ := json.Marshal(got)
	for _, leaked := range []string{"hunter2", "tok-plaintext"} {
		if strings.Contains(string(all), leaked) {
			t.Errorf("the dry run shows %s: %s", leaked, all)
		}
	}

	// dev: approval waived for dev; a member sees the definition's header values masked.
	got, err = f.svc.DryRun(ctx, f.dev, "deploy", "", map[string]any{"env": "dev"}, "", runs.OriginAPI)
	if err != nil {
		t.Fatal(err)
	}
	if got.Approval.Required || !got.Approval.Waived {
		t.Errorf("dev approval: %+v", got.Approval)
	}
	if h := got.Backend.Request.Headers; h["X-Env"] != secrets.Mask || h["Content-Type"] != "application/json" {
		t.Errorf("a member's headers: %v", h)
	}
	// An admin previews as the member; a member may not preview as anyone.
	got, err = f.svc.DryRun(ctx, f.admin, "deploy", "", map[string]any{"env": "dev"}, "dev1@example.com", runs.OriginAPI)
	if err != nil || got.Backend.Request == nil || !strings.Contains(string(got.Backend.Request.Body), "dev1@example.com") {
		t.Errorf("as_user: %+v %v", got, err)
	}
	if _, err := f.svc.DryRun(ctx, f.dev, "deploy", "", map[string]any{"env": "dev"}, "admin@example.com", runs.OriginAPI); slipway.ErrorCode(err) != slipway.CodePermission {
		t.Errorf("a member's as_user: %v", err)
	}
	if _, err := f.svc.DryRun(ctx, f.admin, "deploy", "", map[string]any{"env": "dev"}, "nobody@example.com", runs.OriginAPI); fieldOf(err) != `as_user: no user "nobody@example.com"` {
		t.Errorf("unknown as_user: %v", fieldOf(err))
	}
}

func TestDryRunListsEveryFieldError(t *testing.T) {
	t.Parallel()
	f := dryRunFixture(t)
	got, err := f.svc.DryRun(context.Background(), f.admin, "deploy", "", map[string]any{"env": "staging", "replicas": 9}, "", runs.OriginAPI)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	for _, v := range got.Violations {
		fields[v.Field] = true
	}
	if !fields["inputs.env"] || !fields["inputs.replicas"] || got.Backend.Type != "" {
		t.Errorf("violations %v, backend %+v", got.Violations, got.Backend)
	}
}

func TestDryRunOfAnUpsertShowsTheEntity(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	upsert := `{"type": "UPSERT_ENTITY", "blueprintIdentifier": "service", "mapping": {"identifier": "{{ .inputs.tag }}-svc", "title": "Service {{ .inputs.tag }}"}}`
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(action("make", "service", upsert, "{}"))); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.DryRun(ctx, f.dev, "make", "", map[string]any{"tag": "api"}, "", runs.OriginAPI)
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Backend.Entity; e == nil || e.Identifier != "api-svc" || e.Title != "Service api" || got.Backend.Target != "blueprint service" {
		t.Errorf("backend: %+v", got.Backend)
	}
	if _, err := f.svc.Catalog.GetEntity(ctx, "service", "api-svc"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("the dry run wrote the entity: %v", err)
	}
}

func TestDryRunOfOtherBackendsShowsWhatTheyWouldGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	store := secretstore.Store{DB: f.svc.Store, Keys: testkit.Keyring(t, testkit.NewKey(t))}
	if _, err := store.Set(ctx, f.admin, "REGION_KEY", "key-plaintext"); err != nil {
		t.Fatal(err)
	}
	for id, inv := range map[string]string{
		"kafka":  `{"type": "KAFKA", "payload": {"tag": "{{ .inputs.tag }}", "key": "{{ .secrets.REGION_KEY }}"}}`,
		"github": `{"type": "GITHUB", "org": "acme", "repo": "infra", "workflow": "deploy.yml", "workflowInputs": {"tag": "{{ .inputs.tag }}", "n": 2}}`,
		"gitlab": `{"type": "GITLAB", "groupName": "acme", "projectName": "infra-{{ .inputs.tag }}", "defaultRef": "main"}`,
	} {
		if _, err := f.svc.CreateAction(ctx, f.admin, []byte(action(id, "service", inv, "{}"))); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	preview := func(id string) DryRunBackendView {
		got, err := f.svc.DryRun(ctx, f.dev, id, "", map[string]any{"tag": "v1"}, "", runs.OriginAPI)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		b, _ := json.Marshal(got)
		if strings.Contains(string(b), "key-plaintext") {
			t.Errorf("%s: the dry run opened a secret: %s", id, b)
		}
		return DryRunBackendView{got.Backend.Type, got.Backend.Target, string(got.Backend.Message), got.Backend.Variables, got.Backend.Problem}
	}
	if k := preview("kafka"); k.message != `{"key":"`+secrets.Mask+`","tag":"v1"}` || k.problem != "" {
		t.Errorf("KAFKA: %+v", k)
	}
	if g := preview("github"); g.target != "workflow deploy.yml in acme/infra" || g.variables["tag"] != "v1" || g.variables["n"] != "2" {
		t.Errorf("GITHUB: %+v", g)
	}
	if g := preview("gitlab"); g.target != "pipeline of acme/infra-v1 at main" || g.variables["tag"] != "v1" ||
		!strings.Contains(g.variables["port_payload"], `"token":"`+secrets.Mask+`"`) {
		t.Errorf("GITLAB: %+v", g)
	}
}

// DryRunBackendView is what the test compares of a backend's preview.
type DryRunBackendView struct {
	typ, target, message string
	variables            map[string]string
	problem              string
}

func TestDryRunOfADay2ActionSeesItsEntity(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Catalog.UpsertEntity(ctx, f.admin, catalog.Entity{Blueprint: "service", Identifier: "billing", Title: "Billing", Team: "payments"}); err != nil {
		t.Fatal(err)
	}
	day2 := strings.Replace(action("rename", "service",
		`{"type": "UPSERT_ENTITY", "blueprintIdentifier": "service", "mapping": {"identifier": "{{ .entity.identifier }}", "title": "{{ .inputs.tag }}"}}`, "{}"),
		`"operation": "CREATE"`, `"operation": "DAY-2"`, 1)
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(day2)); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.DryRun(ctx, f.dev, "rename", "billing", map[string]any{"tag": "Billing v2"}, "", runs.OriginUI)
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Backend.Entity; e == nil || e.Identifier != "billing" || e.Title != "Billing v2" {
		t.Errorf("DAY-2 preview: %+v", got.Backend)
	}
	got, err = f.svc.DryRun(ctx, f.dev, "rename", "", map[string]any{"tag": "x"}, "", runs.OriginUI)
	if err != nil || len(got.Violations) != 1 || got.Violations[0].Field != "entity" {
		t.Errorf("DAY-2 without an entity: %+v %v", got.Violations, err)
	}
	if e, _ := f.svc.Catalog.GetEntity(ctx, "service", "billing"); e.Title != "Billing" {
		t.Errorf("the dry run changed the entity: %q", e.Title)
	}
}
