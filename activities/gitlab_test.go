package activities_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/testkit"
)

func gitlabEnv(t *testing.T, fake *testkit.GitLab, triggerToken string) *testsuite.TestActivityEnvironment {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, Token: fake.Token, TriggerToken: triggerToken, PollInterval: time.Second}})
	return env
}

var gitlabData = json.RawMessage(`{"inputs": {"name": "payments", "replicas": 3, "dry-run": true}, "run": {"id": "r1"}}`)

func trigger(t *testing.T, env *testsuite.TestActivityEnvironment, in activities.TriggerGitLabPipelineInput) (activities.GitLabPipeline, error) {
	t.Helper()
	var a *activities.Activities
	v, err := env.ExecuteActivity(a.TriggerGitLabPipeline, in)
	var p activities.GitLabPipeline
	if err == nil {
		err = v.Get(&p)
	}
	return p, err
}

func TestTriggerGitLabPipelineRendersRefAndVariables(t *testing.T) {
	fake := testkit.MustGitLab(t, "glpat-test", "")
	fake.AddProject("platform/payments", "main", "release")
	env := gitlabEnv(t, fake, "")

	p, err := trigger(t, env, activities.TriggerGitLabPipelineInput{
		GroupName: "platform", ProjectName: "{{ .inputs.name }}", Data: gitlabData,
		PipelineVariables: map[string]any{"SERVICE": "{{ .inputs.name }}", "REPLICAS": "{{ .inputs.replicas }}"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := fake.Pipelines()[0]
	if got.Ref != "main" || got.Source != "api" || len(got.Variables) != 2 || got.Variables["SERVICE"] != "payments" || got.Variables["REPLICAS"] != "3" {
		t.Errorf("pipeline %+v: want the default branch and exactly the rendered variables", got)
	}
	if p.ID != got.ID || p.PollEvery != time.Second || !strings.HasSuffix(p.WebURL, "/platform/payments/-/pipelines/"+itoa(got.ID)) {
		t.Errorf("answer %+v", p)
	}
	// The project was asked for by its path, URL-encoded as GitLab wants.
	if !slices.Contains(fake.Requests(), "GET /api/v4/projects/platform%2Fpayments") {
		t.Errorf("requests %q", fake.Requests())
	}

	// Without pipelineVariables: each input, and the payload as port_payload (Port's legacy convention).
	if _, err := trigger(t, env, activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", DefaultRef: "release", Data: gitlabData}); err != nil {
		t.Fatal(err)
	}
	legacy := fake.Pipelines()[1]
	var payload map[string]any
	if legacy.Ref != "release" || legacy.Variables["name"] != "payments" || legacy.Variables["dry_run"] != "true" || json.Unmarshal([]byte(legacy.Variables["port_payload"]), &payload) != nil {
		t.Errorf("legacy pipeline %+v", legacy)
	}
	if _, err := trigger(t, env, activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", OmitPayload: true, OmitUserInputs: true, Data: gitlabData}); err != nil {
		t.Fatal(err)
	}
	if omitted := fake.Pipelines()[2]; len(omitted.Variables) != 0 {
		t.Errorf("omitPayload and omitUserInputs sent %v", omitted.Variables)
	}
}

func TestTriggerGitLabPipelineWithATriggerToken(t *testing.T) {
	fake := testkit.MustGitLab(t, "glpat-test", "glptt-trigger")
	fake.AddProject("platform/payments", "main")
	if _, err := trigger(t, gitlabEnv(t, fake, "glptt-trigger"), activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", PipelineVariables: map[string]any{"A": "b"}, Data: gitlabData}); err != nil {
		t.Fatal(err)
	}
	if p := fake.Pipelines()[0]; p.Source != "trigger" || p.Variables["A"] != "b" {
		t.Errorf("pipeline %+v", p)
	}
	_, err := trigger(t, gitlabEnv(t, fake, "wrong"), activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", Data: gitlabData})
	wantPermanent(t, err, "the pipeline trigger of platform/payments not found (or the token cannot see it)")
}

func TestGitLabMistakesFailForGoodSayingWhat(t *testing.T) {
	fake := testkit.MustGitLab(t, "glpat-test", "")
	fake.AddProject("platform/payments", "main")
	env := gitlabEnv(t, fake, "")
	_, err := trigger(t, env, activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "nope", Data: gitlabData})
	wantPermanent(t, err, "GitLab project platform/nope not found (or the token cannot see it)")
	_, err = trigger(t, env, activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", DefaultRef: "nope", Data: gitlabData})
	wantPermanent(t, err, `GitLab refused a pipeline of platform/payments at nope (400): {"base":["Reference not found"]}`)

	var suite testsuite.WorkflowTestSuite
	badToken := suite.NewTestActivityEnvironment()
	badToken.RegisterActivity(&activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, Token: "glpat-wrong"}})
	_, err = trigger(t, badToken, activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", Data: gitlabData})
	wantPermanent(t, err, "GitLab refused the token for GitLab project platform/payments (401)")
}

func wantPermanent(t *testing.T, err error, message string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Message() != message {
		t.Errorf("got %v, want the permanent failure %q", err, message)
	}
}

// startedPipeline is a pipeline of platform/payments, just triggered.
func startedPipeline(t *testing.T) (*testkit.GitLab, *testsuite.TestActivityEnvironment, activities.GitLabPipeline) {
	t.Helper()
	fake := testkit.MustGitLab(t, "glpat-test", "")
	fake.AddProject("platform/payments", "main")
	env := gitlabEnv(t, fake, "")
	p, err := trigger(t, env, activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", Data: gitlabData})
	if err != nil {
		t.Fatal(err)
	}
	return fake, env, p
}

func TestPollGitLabPipelineStreamsFinishedJobsOnce(t *testing.T) {
	fake, env, p := startedPipeline(t)
	fake.SetStatus(p.ID, "running")
	build := fake.SetJob(p.ID, "build", "build", "success", "section_start:1700000000:step_script\r\x1b[0K\x1b[32;1m$ make\x1b[0;m\nok\r\nprogress 10%\rprogress 100%\n\nsection_end:1700000001:step_script\r\x1b[0K")
	fake.SetJob(p.ID, "deploy", "deploy", "running", "deploying")

	poll := func(streamed ...int64) activities.PollGitLabPipelineResult {
		t.Helper()
		var a *activities.Activities
		v, err := env.ExecuteActivity(a.PollGitLabPipeline, activities.PollGitLabPipelineInput{ProjectID: p.ProjectID, PipelineID: p.ID, Streamed: streamed})
		var res activities.PollGitLabPipelineResult
		if err == nil {
			err = v.Get(&res)
		}
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := poll()
	if res.Status != "running" || len(res.Jobs) != 1 || res.Jobs[0].ID != build || res.Jobs[0].Status != "success" {
		t.Fatalf("first poll %+v: want build's trace alone", res)
	}
	if got := res.Jobs[0].Lines; !slices.Equal(got, []string{"$ make", "ok", "progress 100%"}) {
		t.Errorf("trace lines %q: want them without escapes, markers and redrawn progress", got)
	}
	fake.SetJob(p.ID, "deploy", "deploy", "failed", "boom")
	fake.SetStatus(p.ID, "failed")
	res = poll(build)
	if res.Status != "failed" || len(res.Jobs) != 1 || res.Jobs[0].Name != "deploy" || !slices.Equal(res.Jobs[0].Lines, []string{"boom"}) {
		t.Errorf("second poll %+v: want deploy's trace alone", res)
	}
}

func TestCancelGitLabPipeline(t *testing.T) {
	fake, env, p := startedPipeline(t)
	fake.SetJob(p.ID, "deploy", "deploy", "running", "")
	var a *activities.Activities
	if _, err := env.ExecuteActivity(a.CancelGitLabPipeline, activities.CancelGitLabPipelineInput{ProjectID: p.ProjectID, PipelineID: p.ID}); err != nil {
		t.Fatal(err)
	}
	if got := fake.Pipelines()[0]; got.Status != "canceled" || got.Jobs[0].Status != "canceled" {
		t.Errorf("after cancel: %+v", got)
	}
	_, err := env.ExecuteActivity(a.CancelGitLabPipeline, activities.CancelGitLabPipelineInput{ProjectID: p.ProjectID, PipelineID: 999999})
	wantPermanent(t, err, "GitLab pipeline 999999 not found (or the token cannot see it)")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// SLIPWAY_GITLAB_FOLLOW=false: the trigger token alone, no access token,
// the ref defaulting to main; the run is told not to follow.
func TestTriggerOnlyNeedsNoAccessToken(t *testing.T) {
	fake := testkit.MustGitLab(t, "glpat-test", "glptt-trigger")
	fake.AddProject("platform/payments", "main")
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, TriggerToken: "glptt-trigger", TriggerOnly: true}})
	p, err := trigger(t, env, activities.TriggerGitLabPipelineInput{GroupName: "platform", ProjectName: "payments", Data: gitlabData})
	if err != nil {
		t.Fatal(err)
	}
	got := fake.Pipelines()[0]
	if !p.ReportsItself || p.ID != got.ID || got.Source != "trigger" || got.Ref != "main" {
		t.Errorf("answer %+v, pipeline %+v", p, got)
	}
	if slices.ContainsFunc(fake.Requests(), func(r string) bool { return strings.HasPrefix(r, "GET ") }) {
		t.Errorf("requests %q: want the trigger alone", fake.Requests())
	}
}

// A rate limit is retried, after the Retry-After GitLab names.
func TestAGitLabRateLimitIsRetriedAfterItsDelay(t *testing.T) {
	fake, env, p := startedPipeline(t)
	fake.RateLimit(1, 7)
	var a *activities.Activities
	_, err := env.ExecuteActivity(a.PollGitLabPipeline, activities.PollGitLabPipelineInput{ProjectID: p.ProjectID, PipelineID: p.ID})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.NonRetryable() || appErr.NextRetryDelay() != 7*time.Second {
		t.Fatalf("got %v: want a retryable error asking for 7s", err)
	}
	if _, err := env.ExecuteActivity(a.PollGitLabPipeline, activities.PollGitLabPipelineInput{ProjectID: p.ProjectID, PipelineID: p.ID}); err != nil {
		t.Errorf("after the limit: %v", err)
	}
}

// A job that echoes what the pipeline was given shows the run's secret
// inputs masked in the run's log (named secrets are masked the same way).
func TestGitLabTracesMaskTheRunsSecrets(t *testing.T) {
	const password = "hunter2-in-a-trace"
	fake, _, p := startedPipeline(t)
	k := testKeyring(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{Secrets: k, GitLab: config.GitLab{BaseURL: fake.URL, Token: fake.Token}})
	fake.SetJob(p.ID, "leak", "test", "failed", "password is "+password+"\n")
	var a *activities.Activities
	v, err := env.ExecuteActivity(a.PollGitLabPipeline, activities.PollGitLabPipelineInput{ProjectID: p.ProjectID, PipelineID: p.ID, Data: sealedData(t, k, runID, password)})
	var res activities.PollGitLabPipelineResult
	if err == nil {
		err = v.Get(&res)
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Join(res.Jobs[0].Lines, "\n")
	if strings.Contains(lines, password) || !strings.Contains(lines, "password is "+secrets.Mask) {
		t.Errorf("trace %q", lines)
	}
}
