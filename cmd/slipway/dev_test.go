//go:build !slipway_lean

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/PuerkitoBio/goquery"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/pgcluster"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/workflows"
)

// mustStartDev starts the whole `slipway dev` stack on free ports in dir.
// Tests other than the demo's start without it: they make their own
// blueprints, some named like the demo's.
func mustStartDev(t *testing.T, dir string) *devStack { return mustStartDevTB(t, dir) }

func mustStartDevTB(t testing.TB, dir string) *devStack {
	t.Helper()
	return mustStartDevWith(t, dir, func(c *config.Config) { c.Demo = false })
}

// mustStartDevWith starts the stack after change has adjusted its configuration.
func mustStartDevWith(t testing.TB, dir string, change func(*config.Config), options ...devOption) *devStack {
	t.Helper()
	if _, err := pgcluster.FindBinDir(); err != nil {
		testkit.Missing(t, "PostgreSQL", err)
	}
	cfg, err := config.FromEnv(true)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.DatabaseURL = dir, ""
	cfg.HTTPAddr, cfg.TemporalAddress, cfg.TemporalUIAddr, cfg.PostgresPort = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", 0
	cfg.TemporalUIURL = ""
	cfg.DemoBackendAddr, cfg.DemoBackendURL = "127.0.0.1:0", ""
	change(&cfg)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := startDev(ctx, cfg, logger, options...)
	if err != nil {
		t.Fatalf("start dev stack: %v", err)
	}
	return s
}

func TestDevStackEndToEnd(t *testing.T) {
	dir := t.TempDir()
	s := mustStartDev(t, dir)
	defer s.Close()
	ctx := context.Background()

	t.Run("temporal frontend runs a workflow", func(t *testing.T) {
		const queue = "e2e-check"
		w := sdkworker.New(s.Client, queue, sdkworker.Options{})
		w.RegisterWorkflowWithOptions(echoWorkflow, workflow.RegisterOptions{Name: "e2e-echo"})
		w.RegisterActivity(upper)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, "e2e-echo", "slipway")
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := run.Get(ctx, &got); err != nil || got != "SLIPWAY" {
			t.Fatalf("workflow result %q, err %v", got, err)
		}
	})

	t.Run("slipway worker runs housekeeping", func(t *testing.T) {
		desc, err := s.Client.DescribeWorkflowExecution(ctx, workflows.HousekeepingWorkflowID, "")
		if err != nil {
			t.Fatal(err)
		}
		if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Fatalf("housekeeping status %s", st)
		}
	})

	t.Run("search attributes are registered", func(t *testing.T) {
		resp, err := s.Client.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.Namespace})
		if err != nil {
			t.Fatal(err)
		}
		for name := range workflows.SearchAttributes() {
			if resp.GetCustomAttributes()[name] != enums.INDEXED_VALUE_TYPE_KEYWORD {
				t.Errorf("search attribute %s missing or not Keyword", name)
			}
		}
	})

	t.Run("temporal UI serves HTML and lists the namespace", func(t *testing.T) {
		body, ctype := get(t, s.TemporalUI+"/")
		if !strings.Contains(ctype, "text/html") || !strings.Contains(strings.ToLower(body), "<html") {
			t.Fatalf("UI root: content type %q, body %.200q", ctype, body)
		}
		body, _ = get(t, s.TemporalUI+"/api/v1/namespaces")
		var ns struct {
			Namespaces []struct {
				NamespaceInfo struct{ Name string }
			}
		}
		if err := json.Unmarshal([]byte(body), &ns); err != nil {
			t.Fatalf("namespaces JSON: %v: %.200q", err, body)
		}
		found := false
		for _, n := range ns.Namespaces {
			found = found || n.NamespaceInfo.Name == s.Namespace
		}
		if !found {
			t.Fatalf("namespace %s not listed: %.300s", s.Namespace, body)
		}
	})

	t.Run("portal redirects anonymous users and renders for a signed-in one", func(t *testing.T) {
		c := noRedirectClient(t)
		resp, err := c.Get(s.PortalURL + "/runs")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fruns" {
			t.Fatalf("anonymous /runs: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		doc := login(t, c, s.PortalURL, "dev1@example.com", "/runs")
		if got := doc.Find(`[data-testid="current-user"]`).Text(); got != "Dev One" {
			t.Errorf("current user shown as %q", got)
		}
		if got := doc.Find(`[data-testid="page-title"]`).Text(); got != "Runs" {
			t.Errorf("page title %q", got)
		}
		// Audit, Secrets and Actions are admins' pages: members' navigation leaves them out.
		var items []string
		doc.Find(`[data-testid="nav"] a`).Each(func(_ int, a *goquery.Selection) { items = append(items, strings.TrimSpace(a.Text())) })
		if got, want := strings.Join(items, ", "), "Self-service, Runs, Approvals, Insights, Catalog"; got != want {
			t.Errorf("a member's navigation is %q, want %q", got, want)
		}
	})

	token := s.Token
	t.Run("WhoAmI with, without and with a revoked token", func(t *testing.T) {
		api := slipwayv1connect.NewIdentityServiceClient(http.DefaultClient, s.PortalURL)
		resp, err := api.WhoAmI(ctx, withToken(connect.NewRequest(&slipwayv1.WhoAmIRequest{}), token))
		if err != nil {
			t.Fatal(err)
		}
		if resp.Msg.GetUser().GetEmail() != "admin@example.com" || resp.Msg.GetUser().GetRole() != "admin" {
			t.Fatalf("WhoAmI = %v", resp.Msg)
		}
		_, err = api.WhoAmI(ctx, connect.NewRequest(&slipwayv1.WhoAmIRequest{}))
		assertCode(t, err, connect.CodeUnauthenticated)

		created, err := api.CreateToken(ctx, withToken(connect.NewRequest(&slipwayv1.CreateTokenRequest{Name: "short-lived"}), token))
		if err != nil {
			t.Fatal(err)
		}
		secret := created.Msg.GetSecret()
		if _, err := api.WhoAmI(ctx, withToken(connect.NewRequest(&slipwayv1.WhoAmIRequest{}), secret)); err != nil {
			t.Fatalf("new token: %v", err)
		}
		_, err = api.RevokeToken(ctx, withToken(connect.NewRequest(&slipwayv1.RevokeTokenRequest{Id: created.Msg.GetToken().GetId()}), token))
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.WhoAmI(ctx, withToken(connect.NewRequest(&slipwayv1.WhoAmIRequest{}), secret))
		assertCode(t, err, connect.CodeUnauthenticated)
	})

	t.Run("WhoAmI through Connect's JSON protocol, as with curl", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.PortalURL+"/slipway.v1.IdentityService/WhoAmI", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"email":"admin@example.com"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})

	t.Run("token create from the CLI reaches the running dev cluster", func(t *testing.T) {
		t.Setenv("SLIPWAY_DATA_DIR", dir)
		t.Setenv("DATABASE_URL", "")
		var out, errOut bytes.Buffer
		if code := run(ctx, []string{"token", "create", "--user", "dev2@example.com", "--name", "cli-test"}, &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		api := slipwayv1connect.NewIdentityServiceClient(http.DefaultClient, s.PortalURL)
		resp, err := api.WhoAmI(ctx, withToken(connect.NewRequest(&slipwayv1.WhoAmIRequest{}), strings.TrimSpace(out.String())))
		if err != nil || resp.Msg.GetUser().GetEmail() != "dev2@example.com" {
			t.Fatalf("CLI token: %v %v", resp, err)
		}
		out.Reset()
		errOut.Reset()
		if code := run(ctx, []string{"token", "create", "--user", "nobody@example.com"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "not found") {
			t.Fatalf("unknown user: exit %d, %q", code, errOut.String())
		}
		out.Reset()
		errOut.Reset()
		if code := run(ctx, []string{"user", "create", "--email", "new@example.com", "--name", "New Person", "--role", "owner"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "role") {
			t.Fatalf("bad role: exit %d, %q", code, errOut.String())
		}
		if code := run(ctx, []string{"user", "create", "--email", "new@example.com", "--name", "New Person"}, &out, &errOut); code != 0 {
			t.Fatalf("user create: exit %d, %q", code, errOut.String())
		}
		out.Reset()
		if code := run(ctx, []string{"token", "create", "--user", "new@example.com"}, &out, &errOut); code != 0 {
			t.Fatalf("token for the new user: exit %d, %q", code, errOut.String())
		}
		resp, err = api.WhoAmI(ctx, withToken(connect.NewRequest(&slipwayv1.WhoAmIRequest{}), strings.TrimSpace(out.String())))
		if err != nil || resp.Msg.GetUser().GetName() != "New Person" || resp.Msg.GetUser().GetRole() != "member" {
			t.Fatalf("new user's token: %v %v", resp, err)
		}
	})

	t.Run("readiness reports both dependencies", func(t *testing.T) {
		body, _ := get(t, s.PortalURL+"/healthz")
		if !strings.Contains(body, `"postgres":"ok"`) || !strings.Contains(body, `"temporal":"ok"`) {
			t.Fatalf("healthz: %s", body)
		}
	})

	// A restart keeps all data: Temporal histories and the catalog tables.
	desc, err := s.Client.DescribeWorkflowExecution(ctx, workflows.HousekeepingWorkflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	s.Close()

	s2 := mustStartDev(t, dir)
	defer s2.Close()
	t.Run("restart keeps the token and the workflow histories", func(t *testing.T) {
		if s2.Token != token {
			t.Error("the dev token changed across a restart")
		}
		desc, err := s2.Client.DescribeWorkflowExecution(ctx, workflows.HousekeepingWorkflowID, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(); got != runID {
			t.Errorf("housekeeping run %s replaced by %s: history was lost", runID, got)
		}
		api := slipwayv1connect.NewIdentityServiceClient(http.DefaultClient, s2.PortalURL)
		list, err := api.ListTokens(ctx, withToken(connect.NewRequest(&slipwayv1.ListTokensRequest{}), token))
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Msg.GetTokens()) != 2 {
			t.Errorf("admin has %d tokens after restart, want 2 (dev + revoked)", len(list.Msg.GetTokens()))
		}
	})
}

func TestHelpListsEnvironment(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, v := range config.Vars {
		if !strings.Contains(out.String(), v.Name) {
			t.Errorf("--help does not mention %s", v.Name)
		}
	}
	if code := run(context.Background(), []string{"bogus"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("unknown command exit %d, want 2", code)
	}
}

func echoWorkflow(ctx workflow.Context, in string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, upper, in).Get(ctx, &out)
	return out, err
}

func upper(_ context.Context, s string) (string, error) { return strings.ToUpper(s), nil }

func withToken[T any](req *connect.Request[T], token string) *connect.Request[T] {
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

func assertCode(t *testing.T, err error, want connect.Code) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != want {
		t.Fatalf("got %v, want code %s", err, want)
	}
}

func get(t *testing.T, u string) (body, contentType string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.200s", u, resp.StatusCode, b)
	}
	return string(b), resp.Header.Get("Content-Type")
}

func noRedirectClient(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs in through the dev login page, as a browser would, and returns
// the page it lands on.
func login(t testing.TB, c *http.Client, base, email, next string) *goquery.Document {
	t.Helper()
	resp, err := c.Get(base + "/login?next=" + url.QueryEscape(next))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	csrf, _ := doc.Find(`input[name="csrf_token"]`).Attr("value")
	if doc.Find(`[data-testid="login-as-`+email+`"]`).Length() != 1 {
		t.Fatalf("login page does not offer %s", email)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"email": {email}, "next": {next}, "csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != next {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = c.Get(base + next)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s after login: %d", next, resp.StatusCode)
	}
	doc, err = goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
