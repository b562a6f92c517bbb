//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/browsertest"
)

// dryRunAction is a webhook whose URL, headers and body are templates,
// naming a stored secret and a secret input, with two approval stages when
// env is prod.
func dryRunAction(backendURL string) string {
	return fmt.Sprintf(`{"action": {"identifier": "deploy_preview", "title": "Deploy with preview",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {
	      "env": {"type": "string", "title": "Environment", "enum": ["dev", "prod"]},
	      "replicas": {"type": "number", "maximum": 3, "default": 1},
	      "password": {"type": "string", "encryption": "aes256-gcm"}},
	    "required": ["env"]}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "%s/deploy/{{ .inputs.env }}",
	    "headers": {"Authorization": "Bearer {{ .secrets.DEPLOY_TOKEN }}", "X-Env": "{{ .inputs.env }}"},
	    "body": {"env": "{{ .inputs.env }}", "replicas": "{{ .inputs.replicas }}", "password": "{{ .inputs.password }}", "run": {"id": "{{ .run.id }}"}}},
	  "requiredApproval": {"type": "ANY", "when": ".inputs.env == \"prod\""},
	  "approvalStages": [{"title": "lead", "approvers": {"users": ["approver@example.com"]}}, {"title": "platform", "approvers": {"roles": ["admin"]}}]}}`, backendURL)
}

func TestDryRunPublishAndRerunFromThePortal(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusBadRequest, `{"error": "no"}`))
	mustPost := func(path, body string) {
		t.Helper()
		if status, out := postJSON(t, s.PortalURL+path, s.Token, body); status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, status, out)
		}
	}
	mustPost("/slipway.v1.CatalogService/CreateBlueprint", `{"blueprint": {"identifier": "service", "schema": {"properties": {"tier": {"type": "string"}}}}}`)
	mustPost("/slipway.v1.SecretService/SetSecret", `{"name": "DEPLOY_TOKEN", "value": "tok-plaintext"}`)
	mustPost("/slipway.v1.ActionService/CreateAction", dryRunAction(backend.URL))
	mustPost("/slipway.v1.ActionService/CreateAction", `{"action": {"identifier": "make_service", "title": "Make service",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {"name": {"type": "string"}}, "required": ["name"]}},
	  "invocationMethod": {"type": "UPSERT_ENTITY", "blueprintIdentifier": "service",
	    "mapping": {"identifier": "{{ .inputs.name }}", "title": "Service {{ .inputs.name }}", "properties": {"tier": "gold"}}}}}`)
	mustPost("/slipway.v1.ActionService/CreateAction", fmt.Sprintf(`{"action": {"identifier": "hidden", "title": "Hidden", "publish": false,
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backend.URL))

	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	devTok := cliToken(t, s, "dev1@example.com")
	auditAPI := slipwayv1connect.NewAuditServiceClient(http.DefaultClient, s.PortalURL)
	auditCount := func() int {
		res, err := auditAPI.ListAuditEvents(ctx, withToken(connect.NewRequest(&slipwayv1.ListAuditEventsRequest{PageSize: 500}), s.Token))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Msg.GetEvents())
	}
	eventsBefore := auditCount()
	dryRun := func(token string, req *slipwayv1.DryRunActionRequest) *slipwayv1.DryRunActionResponse {
		t.Helper()
		res, err := api.DryRunAction(ctx, withToken(connect.NewRequest(req), token))
		if err != nil {
			t.Fatalf("dry run %s: %v", req.GetAction(), err)
		}
		return res.Msg
	}

	t.Run("dry run", func(t *testing.T) {
		got := dryRun(devTok, &slipwayv1.DryRunActionRequest{Action: "deploy_preview",
			Properties: mustStruct(t, map[string]any{"env": "prod", "password": "hunter2"})})
		if !got.GetValid() || got.GetProperties().AsMap()["replicas"] != float64(1) {
			t.Fatalf("valid: %v", got)
		}
		stages := got.GetApproval().GetStages()
		if !got.GetApproval().GetRequired() || len(stages) != 2 || stages[0].GetTitle() != "lead" ||
			strings.Join(stages[0].GetApprovers(), ",") != "approver@example.com" || strings.Join(stages[1].GetApprovers(), ",") != "admin@example.com" {
			t.Errorf("approval: %v", got.GetApproval())
		}
		req := got.GetBackend().GetRequest()
		if req.GetMethod() != "POST" || req.GetUrl() != backend.URL+"/deploy/prod" {
			t.Errorf("request line: %s %s", req.GetMethod(), req.GetUrl())
		}
		// A member sees the definition's header values masked; the signature always is.
		for k, v := range req.GetHeaders() {
			if (strings.Contains(strings.ToLower(k), "signature") || k == "Authorization" || k == "X-Env") && v != "••••••" {
				t.Errorf("header %s: %q", k, v)
			}
		}
		if req.GetHeaders()["X-Slipway-Signature"] == "" && req.GetHeaders()["X-Port-Signature"] == "" {
			t.Errorf("no signature headers: %v", req.GetHeaders())
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(req.GetBody()), &body); err != nil || body["env"] != "prod" || body["password"] != "••••••" || body["replicas"] != float64(1) {
			t.Errorf("body: %s %v", req.GetBody(), err)
		}
		// An admin sees the headers with only the secrets masked, and may preview as a member.
		admin := dryRun(s.Token, &slipwayv1.DryRunActionRequest{Action: "deploy_preview", AsUser: "dev1@example.com",
			Properties: mustStruct(t, map[string]any{"env": "dev"})})
		if h := admin.GetBackend().GetRequest().GetHeaders(); h["Authorization"] != "Bearer ••••••" || h["X-Env"] != "dev" {
			t.Errorf("admin's headers: %v", h)
		}
		if admin.GetApproval().GetRequired() || !admin.GetApproval().GetWaived() {
			t.Errorf("dev needs no approval: %v", admin.GetApproval())
		}
		_, err := api.DryRunAction(ctx, withToken(connect.NewRequest(&slipwayv1.DryRunActionRequest{Action: "deploy_preview", AsUser: "admin@example.com"}), devTok))
		assertCode(t, err, connect.CodePermissionDenied)
		for _, leaked := range []string{"hunter2", "tok-plaintext"} {
			if b, _ := json.Marshal(got); strings.Contains(string(b), leaked) {
				t.Errorf("the dry run shows %s", leaked)
			}
		}

		bad := dryRun(devTok, &slipwayv1.DryRunActionRequest{Action: "deploy_preview", Properties: mustStruct(t, map[string]any{"replicas": 9, "extra": "x"})})
		fields := map[string]string{}
		for _, v := range bad.GetViolations() {
			fields[v.GetField()] = v.GetMessage()
		}
		if bad.GetValid() || fields["inputs.env"] == "" || fields["inputs.replicas"] == "" || bad.GetBackend() != nil {
			t.Errorf("every field error: %v", bad)
		}

		upsert := dryRun(devTok, &slipwayv1.DryRunActionRequest{Action: "make_service", Properties: mustStruct(t, map[string]any{"name": "billing"})})
		if e := upsert.GetBackend().GetEntity(); e.GetIdentifier() != "billing" || e.GetTitle() != "Service billing" || e.GetProperties().AsMap()["tier"] != "gold" {
			t.Errorf("UPSERT_ENTITY preview: %v", upsert.GetBackend())
		}

		// Nothing was written, started or called.
		list, err := api.ListRuns(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunsRequest{}), s.Token))
		if err != nil || len(list.Msg.GetRuns()) != 0 {
			t.Errorf("runs after dry runs: %v %v", list, err)
		}
		if n := auditCount(); n != eventsBefore {
			t.Errorf("audit events: %d before the dry runs, %d after", eventsBefore, n)
		}
		wfs, err := s.Client.ListWorkflow(ctx, listRequest(s.Namespace, fmt.Sprintf("WorkflowType = '%s'", runs.WorkflowName)))
		if err != nil || len(wfs.GetExecutions()) != 0 {
			t.Errorf("run workflows after dry runs: %v %v", wfs, err)
		}
		catalogAPI := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, s.PortalURL)
		_, err = catalogAPI.GetEntity(ctx, withToken(connect.NewRequest(&slipwayv1.GetEntityRequest{Blueprint: "service", Identifier: "billing"}), s.Token))
		assertCode(t, err, connect.CodeNotFound)
		if backend.Count() != 0 {
			t.Errorf("the backend was called %d times", backend.Count())
		}
	})

	t.Run("publish false", func(t *testing.T) {
		_, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "hidden"}), s.Token))
		assertCode(t, err, connect.CodeFailedPrecondition)
		if !strings.Contains(err.Error(), "hidden") {
			t.Errorf("the refusal names no action: %v", err)
		}
		_, err = api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "hidden"}), devTok))
		_, unknown := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "nope"}), devTok))
		if connect.CodeOf(err) != connect.CodeOf(unknown) {
			t.Errorf("a member tells an unpublished action (%v) from an unknown one (%v)", err, unknown)
		}
		actionsAPI := slipwayv1connect.NewActionServiceClient(http.DefaultClient, s.PortalURL)
		if _, err := actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "hidden"}), s.Token)); err != nil {
			t.Errorf("an admin reads an unpublished action: %v", err)
		}
		_, err = actionsAPI.GetAction(ctx, withToken(connect.NewRequest(&slipwayv1.GetActionRequest{Identifier: "hidden"}), devTok))
		assertCode(t, err, connect.CodeNotFound)
		// Port's REST route refuses it too.
		req, _ := http.NewRequest(http.MethodPost, s.PortalURL+"/v1/actions/hidden/runs", strings.NewReader(`{"properties": {}}`))
		req.Header.Set("Authorization", "Bearer "+s.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("Port's route runs an unpublished action: %d", resp.StatusCode)
		}
		// The portal neither lists it nor serves its form to members.
		dev := noRedirectClient(t)
		login(t, dev, s.PortalURL, "dev1@example.com", "/self-service")
		if doc := getDoc(t, dev, s.PortalURL+"/self-service"); doc.Find(`[data-testid="action-hidden"]`).Length() != 0 {
			t.Error("the portal lists an unpublished action")
		}
		if resp, err := dev.Get(s.PortalURL + "/self-service/hidden"); err != nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("the form of an unpublished action: %v %v", resp.StatusCode, err)
		}
		// Admins see its form, told it is not published; a submit says why nothing started.
		admin := noRedirectClient(t)
		form := login(t, admin, s.PortalURL, "admin@example.com", "/self-service/hidden")
		if form.Find(`[data-testid="unpublished"]`).Length() != 1 {
			t.Error("the admin's form of an unpublished action does not say so")
		}
		csrf, _ := form.Find(`input[name="csrf_token"]`).Attr("value")
		resp, err = admin.PostForm(s.PortalURL+"/self-service/hidden", url.Values{"csrf_token": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		refused, err := goquery.NewDocumentFromReader(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(refused.Find(`[data-testid="form-error"]`).Text(), "not published") {
			t.Errorf("an admin's submit of an unpublished action: %d %q", resp.StatusCode, refused.Find(`[data-testid="form-error"]`).Text())
		}
	})

	t.Run("re-run a failed run from the portal", func(t *testing.T) {
		res, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "deploy_preview",
			Properties: mustStruct(t, map[string]any{"env": "dev", "replicas": 2, "password": "hunter2"})}), devTok))
		if err != nil {
			t.Fatal(err)
		}
		failed := res.Msg.GetRun().GetId()
		waitUntil(t, 30*time.Second, "the run to fail (its backend answers 400)", func() bool {
			got, err := api.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: failed}), devTok))
			return err == nil && got.Msg.GetRun().GetStatus() == "FAILURE"
		})
		dev := noRedirectClient(t)
		page := login(t, dev, s.PortalURL, "dev1@example.com", "/runs/"+failed)
		href, ok := page.Find(`[data-testid="rerun"]`).Attr("href")
		if !ok {
			t.Fatalf("no re-run link on the failed run's page")
		}
		if title := page.Find(`[data-testid="page-title"]`).Text(); !strings.Contains(title, "Deploy with preview") {
			t.Errorf("the run page names %q, not the action's title", title)
		}
		if page.Find(`[data-testid="timeline-entry"]`).Length() < 2 {
			t.Errorf("timeline: %q", page.Find(`[data-testid="timeline"]`).Text())
		}
		form := getDoc(t, dev, s.PortalURL+href)
		if v, _ := form.Find(`[data-testid="input-replicas"]`).Attr("value"); v != "2" {
			t.Errorf("replicas prefilled with %q", v)
		}
		if v, _ := form.Find(`[data-testid="input-password"]`).Attr("value"); v != "" {
			t.Error("the re-run form echoes a secret input")
		}
		csrf, _ := form.Find(`input[name="csrf_token"]`).Attr("value")
		rerunOf, _ := form.Find(`input[name="__rerun"]`).Attr("value")
		resp, err := dev.PostForm(s.PortalURL+"/self-service/deploy_preview", url.Values{"csrf_token": {csrf}, "__rerun": {rerunOf},
			"env": {"dev"}, "replicas": {"3"}, "password": {""}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("re-run submit: %d %.500s", resp.StatusCode, b)
		}
		newID := strings.TrimPrefix(resp.Header.Get("Location"), "/runs/")
		call := backend.AwaitRun(t, newID, 30*time.Second)
		if body := call.JSON(); body["replicas"] != float64(3) || body["password"] != "hunter2" {
			t.Errorf("the re-run sent %v: the changed input and the requester's kept secret", body)
		}
		// Someone else re-running it types the secret again.
		admin := noRedirectClient(t)
		adminForm := login(t, admin, s.PortalURL, "admin@example.com", href)
		if adminForm.Find(`[data-testid="rerun-of"]`).Length() != 1 {
			t.Error("the admin's re-run form does not say what it re-runs")
		}
		csrf, _ = adminForm.Find(`input[name="csrf_token"]`).Attr("value")
		resp, err = admin.PostForm(s.PortalURL+"/self-service/deploy_preview", url.Values{"csrf_token": {csrf}, "__rerun": {rerunOf}, "env": {"dev"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin re-run: %d", resp.StatusCode)
		}
		other := backend.AwaitRun(t, strings.TrimPrefix(resp.Header.Get("Location"), "/runs/"), 30*time.Second)
		if other.JSON()["password"] == "hunter2" {
			t.Errorf("another user's re-run reused the requester's secret: %v", other.JSON())
		}
	})

	t.Run("the run page links the entities a run wrote", func(t *testing.T) {
		res, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "make_service",
			Properties: mustStruct(t, map[string]any{"name": "ledger"})}), devTok))
		if err != nil {
			t.Fatal(err)
		}
		id := res.Msg.GetRun().GetId()
		waitUntil(t, 30*time.Second, "the UPSERT_ENTITY run to succeed", func() bool {
			got, err := api.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), devTok))
			return err == nil && got.Msg.GetRun().GetStatus() == "SUCCESS"
		})
		dev := noRedirectClient(t)
		page := login(t, dev, s.PortalURL, "dev1@example.com", "/runs/"+id)
		if href, _ := page.Find(`[data-testid="affected-entity"]`).Attr("href"); href != "/catalog/service/ledger" {
			t.Errorf("affected entity link %q", href)
		}
		if got := page.Find(`[data-testid="timeline"]`).Text(); !strings.Contains(got, "Requested by dev1@example.com") || !strings.Contains(got, "Ended SUCCESS") {
			t.Errorf("timeline %q", got)
		}
	})

	t.Run("browser: preview and re-run", func(t *testing.T) {
		browserPreviewAndRerun(t, s)
	})
}

// browserPreviewAndRerun: a developer previews a run from the form and
// sees the templated request, then re-runs a failed run from its page.
func browserPreviewAndRerun(t *testing.T, s *devStack) {
	page := browsertest.MustPage(t, 90*time.Second)
	ctx := page.Ctx
	page.SignIn(s.PortalURL, "dev1@example.com")
	page.Must("open the form", chromedp.Do(ctx,
		chromedp.Navigate(s.PortalURL+"/self-service/deploy_preview"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="execute-form"]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid="input-env"]`), "prod"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="input-password"]`), "hunter2"),
		chromedp.Click(chromedp.CSS(`[data-testid="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview-request"]`))))
	page.Screenshot("dry-run-preview")
	req := page.Text(`[data-testid="preview-request"]`)
	if !strings.Contains(req, "/deploy/prod") || !strings.Contains(req, `"env": "prod"`) || strings.Contains(req, "hunter2") {
		t.Errorf("previewed request: %q", req)
	}
	if got := page.Text(`[data-testid="preview-approval"]`); !strings.Contains(got, "lead") || !strings.Contains(got, "approver@example.com") {
		t.Errorf("previewed approval: %q", got)
	}
	if loc := page.Location(); !strings.HasSuffix(loc, "/self-service/deploy_preview") {
		t.Errorf("the preview navigated to %s", loc)
	}

	// A failed run (its backend answers 400), re-run with a changed input.
	page.Must("run it", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`[data-testid="input-env"]`), "dev"),
		chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"]`))))
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('[data-testid="run-status"]').textContent.trim() === "FAILURE"`,
		chromedp.WithPollingTimeout(30*time.Second)))
	page.Must("the run fails", err)
	page.Must("re-run", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="rerun"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="rerun-of"]`))))
	if v := page.Value(`[data-testid="input-env"]`); v != "dev" {
		t.Errorf("re-run form env %q", v)
	}
	page.Must("change and submit", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`[data-testid="input-replicas"]`), "2"),
		chromedp.Click(chromedp.CSS(`[data-testid="execute"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-status"]`))))
	page.Screenshot("rerun-started")
	if inputs := page.Text(`[data-testid="inputs"]`); !strings.Contains(inputs, "2") || strings.Contains(inputs, "hunter2") {
		t.Errorf("re-run inputs %q", inputs)
	}
}
