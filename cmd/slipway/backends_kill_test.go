//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/pgcluster"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/temporalclient"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/githubfake"
)

// TestBackendWorkerKilledWhileWaiting runs the production topology as
// separate OS processes (`slipway temporal`, `slipway web`, one `slipway
// worker`, PostgreSQL) against the fake GitHub and GitLab in this process.
// For each backend a run starts its external run, logs a first finished
// job and waits; the worker is SIGKILLed there and a new one started; then
// the external run finishes. The run must end SUCCESS with its link and
// every job's log, having started exactly one external run, with no log
// line stored twice.
func TestBackendWorkerKilledWhileWaiting(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		testkit.Missing(t, "PostgreSQL", err)
	}
	ghToken, glToken := randomSecret("ghp_"), randomSecret("glpat-")
	gh := githubfake.New(t, ghToken)
	gh.RunDetails = true
	gh.AddWorkflow("acme", "api", githubfake.Workflow{File: "deploy.yml", Inputs: []string{"port_context"}, Jobs: []string{"build", "deploy"}})
	gl := testkit.MustGitLab(t, glToken, "")
	gl.AddProject("platform/payments", "main")
	// Credentials: the default templates name the secrets GITHUB_TOKEN and
	// GITLAB_TOKEN, set below through the API.
	st := startProcesses(t, 1, "kill-webhook-secret",
		"SLIPWAY_GITHUB_API_URL="+gh.URL(),
		"SLIPWAY_GITLAB_URL="+gl.URL,
		"SLIPWAY_GITLAB_POLL_INTERVAL=1s")
	setSecretAt(t, st.webURL, st.token, "GITHUB_TOKEN", ghToken)
	setSecretAt(t, st.webURL, st.token, "GITLAB_TOKEN", glToken)
	for _, def := range []string{
		`{"action": {"identifier": "kill_github", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml",
		    "workflowInputs": {"port_context": {"runId": "{{ .run.id }}"}}, "reportWorkflowStatus": true}}}`,
		`{"action": {"identifier": "kill_gitlab", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "GITLAB", "projectName": "payments", "groupName": "platform"}}}`,
	} {
		if status, body := postJSON(t, st.webURL+"/slipway.v1.ActionService/CreateAction", st.token, def); status != http.StatusOK {
			t.Fatalf("create action: %d %s", status, body)
		}
	}
	tc, err := temporalclient.Dial(context.Background(), st.tempAddr, "default", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	worker := st.workers[0]
	// killWorker SIGKILLs the worker while the run waits (its first job's
	// log is in, no activity is running) and starts a new one.
	killWorker := func(t *testing.T, id, firstLine string) {
		t.Helper()
		waitUntil(t, time.Minute, "the first job's log in run "+id, func() bool {
			return slices.Contains(runLogLines(t, st.webURL, st.token, id), firstLine)
		})
		if err := worker.kill(); err != nil {
			t.Fatal(err)
		}
		desc, err := tc.DescribeWorkflowExecution(context.Background(), runs.WorkflowID(id), "")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(desc.GetPendingActivities()); n != 0 {
			t.Logf("the worker was killed with %d activities of run %s running (their timeout retries them)", n, id)
		}
		worker.mustStart(time.Minute)
		t.Logf("worker SIGKILLed while run %s waited, and started again", id)
	}
	// wantOnce checks each line is in the log exactly once, and no line twice.
	wantOnce := func(t *testing.T, lines []string, want ...string) {
		t.Helper()
		seen := map[string]int{}
		for _, l := range lines {
			seen[l]++
		}
		for l, n := range seen {
			if n > 1 {
				t.Errorf("line %q stored %d times", l, n)
			}
		}
		for _, w := range want {
			if seen[w] == 0 {
				t.Errorf("line %q missing from the log:\n%s", w, strings.Join(lines, "\n"))
			}
		}
	}

	t.Run("GITHUB", func(t *testing.T) {
		id := executeAt(t, st.webURL, st.token, "kill_github", map[string]any{})
		var run githubfake.Run
		waitUntil(t, 30*time.Second, "the workflow to be dispatched", func() bool {
			var ok bool
			run, ok = gh.RunByInput("port_context", fmt.Sprintf(`{"runId":%q}`, id))
			return ok
		})
		gh.FinishJob(run.ID, "build", "success", "built api before the kill")
		// A poll every 10 s at first: logged by the first worker, then the
		// wait for the next poll is where the kill lands.
		killWorker(t, id, "[build] built api before the kill")
		gh.FinishJob(run.ID, "deploy", "success", "deployed api after the kill")
		gh.Finish(run.ID, "success")

		got := endedRunAt(t, st.webURL, st.token, id, 2*time.Minute)
		link := fmt.Sprintf("/acme/api/actions/runs/%d", run.ID)
		if got.GetStatus() != "SUCCESS" || got.GetExternalRunId() != strconv.FormatInt(run.ID, 10) || len(got.GetLink()) != 1 || !strings.HasSuffix(got.GetLink()[0], link) {
			t.Errorf("run %v", got)
		}
		wantOnce(t, runLogLines(t, st.webURL, st.token, id),
			"[build] job finished: success", "[build] built api before the kill",
			"[deploy] job finished: success", "[deploy] deployed api after the kill")
		if dispatches := countPosts(gh.Requests(), "/dispatches"); dispatches != 1 || len(gh.Runs()) != 1 {
			t.Errorf("%d dispatches, %d GitHub runs: want one of each", dispatches, len(gh.Runs()))
		}
	})

	t.Run("GITLAB", func(t *testing.T) {
		id := executeAt(t, st.webURL, st.token, "kill_gitlab", map[string]any{})
		p := gl.WaitForPipeline(t, 1)
		gl.SetStatus(p.ID, "running")
		gl.SetJob(p.ID, "build", "build", "success", "built payments before the kill\n")
		gl.SetJob(p.ID, "deploy", "deploy", "running", "")
		killWorker(t, id, "built payments before the kill")
		gl.SetJob(p.ID, "deploy", "deploy", "success", "deployed payments after the kill\n")
		gl.SetStatus(p.ID, "success")

		got := endedRunAt(t, st.webURL, st.token, id, 2*time.Minute)
		url := fmt.Sprintf("%s/platform/payments/-/pipelines/%d", gl.URL, p.ID)
		if got.GetStatus() != "SUCCESS" || got.GetExternalRunId() != strconv.FormatInt(p.ID, 10) || fmt.Sprint(got.GetLink()) != "["+url+"]" {
			t.Errorf("run %v", got)
		}
		wantOnce(t, runLogLines(t, st.webURL, st.token, id),
			fmt.Sprintf("GitLab pipeline %d started: %s", p.ID, url),
			"built payments before the kill", "deployed payments after the kill")
		if created := countPosts(gl.Requests(), "/pipeline"); created != 1 || len(gl.Pipelines()) != 1 {
			t.Errorf("%d pipeline creations, %d pipelines: want one of each", created, len(gl.Pipelines()))
		}
	})
}

// countPosts counts the POST requests, as a fake lists them ("METHOD
// path"), whose path ends with suffix.
func countPosts(requests []string, suffix string) int {
	var n int
	for _, r := range requests {
		if strings.HasPrefix(r, "POST ") && strings.HasSuffix(r, suffix) {
			n++
		}
	}
	return n
}
