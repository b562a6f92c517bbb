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

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/githubfake"
)

// A Port GITHUB definition pasted through the API runs end to end on the
// dev stack: the workflow is dispatched with the run's inputs, the run
// links the GitHub run, the job's log joins the run's log and the run
// ends with the GitHub run's conclusion.
func TestGitHubActionEndToEnd(t *testing.T) {
	const token = "ghp_e2e"
	fake := githubfake.New(t, token)
	fake.RunDetails = true
	fake.AddWorkflow("acme", "api", githubfake.Workflow{File: "deploy.yml", Inputs: []string{"service", "port_context"}, Jobs: []string{"deploy"}})
	s := mustStartDevWith(t, t.TempDir(), func(c *config.Config) { c.Demo = false; c.GitHub.APIURL = fake.URL() })
	defer s.Close()
	ctx := context.Background()
	// The credentials: a secret an admin sets; the definition names none.
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.SecretService/SetSecret", s.Token, `{"name": "GITHUB_TOKEN", "value": "`+token+`"}`); status != http.StatusOK {
		t.Fatalf("set secret: %d %s", status, body)
	}

	def := `{"action": {"identifier": "deploy", "title": "Deploy",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"service": {"type": "string"}}, "required": ["service"]}},
	  "invocationMethod": {"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml",
	    "workflowInputs": {"service": "{{ .inputs.service }}", "port_context": {"runId": "{{ .run.id }}"}}, "reportWorkflowStatus": true}}}`
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	bad := strings.Replace(def, `"workflow": "deploy.yml",`, ``, 1)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, bad); status != http.StatusBadRequest || !strings.Contains(body, "action.invocationMethod.workflow") {
		t.Fatalf("a definition without its workflow: %d %s", status, body)
	}
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	started, err := runsAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "deploy", Properties: mustStruct(t, map[string]any{"service": "billing"})}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	id := started.Msg.GetRun().GetId()
	var gh githubfake.Run
	testkit.WaitUntil(t, 30*time.Second, "the workflow to be dispatched", func() bool {
		var ok bool
		gh, ok = fake.RunByInput("port_context", fmt.Sprintf(`{"runId":%q}`, id))
		return ok
	})
	if gh.Inputs["service"] != "billing" {
		t.Fatalf("inputs: %v", gh.Inputs)
	}
	fake.FinishJob(gh.ID, "deploy", "success", "rolled out billing\nauthenticated as "+token)
	fake.Finish(gh.ID, "success")
	var run *slipwayv1.Run
	testkit.WaitUntil(t, time.Minute, "the run to end", func() bool {
		got, err := runsAPI.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), s.Token))
		if err != nil {
			t.Fatal(err)
		}
		run = got.Msg.GetRun()
		return run.GetStatus() != "IN_PROGRESS"
	})
	if run.GetStatus() != "SUCCESS" || run.GetExternalRunId() != fmt.Sprint(gh.ID) || len(run.GetLink()) != 1 || !strings.HasSuffix(run.GetLink()[0], fmt.Sprintf("/acme/api/actions/runs/%d", gh.ID)) {
		t.Fatalf("run %v", run)
	}
	logs, err := runsAPI.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: id}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range logs.Msg.GetLogs() {
		lines = append(lines, l.GetMessage())
	}
	if all := strings.Join(lines, "\n"); !strings.Contains(all, "[deploy] rolled out billing") || !strings.Contains(all, "[deploy] authenticated as "+secrets.Mask) {
		t.Fatalf("logs: %v", lines)
	}

	// The token is nowhere but the secret store, sealed: not in any
	// history (raw, or decoded through the codec), nor in PostgreSQL's rows.
	mustKeepSecretsOutOfStorage(t, s, []string{token})
}
