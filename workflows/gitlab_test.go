package workflows_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/workflows"
)

// gitlabHarness runs a GITLAB run in the SDK's test environment (virtual
// time) with the real GitLab activities against the fake GitLab.
func gitlabHarness(t *testing.T, project, runTimeout string) (*harness, *testkit.GitLab) {
	t.Helper()
	fake := testkit.MustGitLab(t, "glpat-test", "")
	fake.AddProject("platform/payments", "main")
	def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "deploy",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"replicas": {"type": "number"}}}},
	  "invocationMethod": {"type": "GITLAB", "groupName": "platform", "projectName": %q, "pipelineVariables": {"REPLICAS": "{{ .inputs.replicas }}"}},
	  "runTimeout": %q}`, project, runTimeout))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, def)
	acts := &activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, Token: fake.Token, PollInterval: 10 * time.Second}}
	h.env.RegisterActivity(acts.TriggerGitLabPipeline)
	h.env.RegisterActivity(acts.PollGitLabPipeline)
	h.env.RegisterActivity(acts.CancelGitLabPipeline)
	return h, fake
}

// after runs fn on the run's pipeline after d of virtual time.
func after(h *harness, fake *testkit.GitLab, d time.Duration, fn func(pipeline int64)) {
	h.env.RegisterDelayedCallback(func() {
		if ps := fake.Pipelines(); len(ps) > 0 {
			fn(ps[0].ID)
		}
	}, d)
}

func (h *harness) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, l := range h.logs {
		out = append(out, l.Message)
	}
	return out
}

func TestAGitLabRunFollowsItsPipelineToSuccess(t *testing.T) {
	h, fake := gitlabHarness(t, "payments", "2h")
	after(h, fake, 30*time.Second, func(p int64) {
		fake.SetStatus(p, "running")
		fake.SetJob(p, "build", "build", "success", "\x1b[32;1m$ make\x1b[0;m\nbuilt\n")
		fake.SetJob(p, "deploy", "deploy", "running", "")
	})
	after(h, fake, 5*time.Minute, func(p int64) {
		fake.SetJob(p, "deploy", "deploy", "success", "deployed 3 replicas\n")
		fake.SetStatus(p, "success")
	})
	start := h.env.Now()
	s := h.execute()
	pipeline := fake.Pipelines()[0]
	if s.Status != runs.StatusSuccess || s.StatusLabel != "success" {
		t.Fatalf("final %+v", s)
	}
	if elapsed := h.env.Now().Sub(start); elapsed < 5*time.Minute || elapsed > 6*time.Minute {
		t.Errorf("ended after %s: want soon after the pipeline succeeded at 5m", elapsed)
	}
	if pipeline.Variables["REPLICAS"] != "3" || pipeline.Ref != "main" {
		t.Errorf("pipeline %+v", pipeline)
	}
	url := fmt.Sprintf("%s/platform/payments/-/pipelines/%d", fake.URL, pipeline.ID)
	if !slices.Equal(s.Links, []string{url}) || h.saved[len(h.saved)-1].ExternalRunID != strconv.FormatInt(pipeline.ID, 10) {
		t.Errorf("links %v, external id %q: want the pipeline", s.Links, h.saved[len(h.saved)-1].ExternalRunID)
	}
	got := strings.Join(h.messages(), "\n")
	want := []string{"GitLab pipeline " + strconv.FormatInt(pipeline.ID, 10) + " started", "GitLab job build (stage build) success", "$ make\nbuilt", "GitLab job deploy (stage deploy) success", "deployed 3 replicas"}
	at := 0
	for _, w := range want {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Fatalf("log\n%s\nlacks %q (in this order: %q)", got, w, want)
		}
		at += i + len(w)
	}
	if strings.Count(got, "built") != 1 {
		t.Errorf("build's trace streamed more than once:\n%s", got)
	}
}

func TestAFailedGitLabPipelineFailsTheRunWithItsStatus(t *testing.T) {
	for _, status := range []string{"failed", "canceled", "skipped"} {
		t.Run(status, func(t *testing.T) {
			h, fake := gitlabHarness(t, "payments", "2h")
			after(h, fake, time.Minute, func(p int64) { fake.SetStatus(p, status) })
			if s := h.execute(); s.Status != runs.StatusFailure || s.StatusLabel != status {
				t.Fatalf("final %+v", s)
			}
		})
	}
}

func TestCancellingAGitLabRunCancelsItsPipeline(t *testing.T) {
	h, fake := gitlabHarness(t, "payments", "2h")
	after(h, fake, 30*time.Second, func(p int64) { fake.SetStatus(p, "running") })
	var cancelErr error
	h.at(time.Minute, runs.UpdateCancel, runs.CancelRequest{By: "admin@example.com"}, &cancelErr)
	s := h.execute()
	if cancelErr != nil || s.Status != runs.StatusCancelled {
		t.Fatalf("cancel %v, final %+v", cancelErr, s)
	}
	if p := fake.Pipelines()[0]; p.Status != "canceled" {
		t.Errorf("pipeline %s after the run was cancelled", p.Status)
	}
}

func TestAGitLabRunTimesOutAndCancelsItsPipeline(t *testing.T) {
	h, fake := gitlabHarness(t, "payments", "10m")
	after(h, fake, 30*time.Second, func(p int64) { fake.SetStatus(p, "running") })
	s := h.execute()
	if s.Status != runs.StatusFailure || s.StatusLabel != "timed out after 10m0s" {
		t.Fatalf("final %+v", s)
	}
	if p := fake.Pipelines()[0]; p.Status != "canceled" {
		t.Errorf("pipeline %s after the run timed out", p.Status)
	}
}

func TestAGitLabRunOnAnUnknownProjectFailsSayingSo(t *testing.T) {
	h, _ := gitlabHarness(t, "nope", "2h")
	s := h.execute()
	if s.Status != runs.StatusFailure || s.StatusLabel != "GitLab project platform/nope not found (or the token cannot see it)" {
		t.Fatalf("final %+v", s)
	}
}

// A run that waits long enough on its pipeline continues as new while it
// waits; the next workflow run follows the same pipeline on, without
// streaming a trace twice, and ends with it.
func TestAGitLabRunContinuesAsNewWhileItWaits(t *testing.T) {
	first, fake := gitlabHarness(t, "payments", "2h")
	after(first, fake, 30*time.Second, func(p int64) {
		fake.SetStatus(p, "running")
		fake.SetJob(p, "build", "build", "success", "built\n")
	})
	// The server suggests continuing as new once the history is long.
	first.env.RegisterDelayedCallback(func() { first.env.SetContinueAsNewSuggested(true) }, 2*time.Minute)
	first.env.ExecuteWorkflow(workflows.Run, first.in)
	var can *workflow.ContinueAsNewError
	if err := first.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("the run did not continue as new: %v", err)
	}
	var next runs.Input
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	pipeline := fake.Pipelines()[0]
	if next.State == nil || next.State.Pipeline == nil || next.State.Pipeline.PipelineID != pipeline.ID || len(next.State.Pipeline.Streamed) != 1 {
		t.Fatalf("carried over %+v", next.State)
	}

	second := newHarness(t, first.in.Action)
	acts := &activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, Token: fake.Token}}
	second.env.RegisterActivity(acts.PollGitLabPipeline)
	second.env.RegisterActivity(acts.CancelGitLabPipeline)
	second.in = next
	after(second, fake, time.Minute, func(p int64) {
		fake.SetJob(p, "deploy", "deploy", "success", "deployed\n")
		fake.SetStatus(p, "success")
	})
	s := second.execute()
	if s.Status != runs.StatusSuccess || s.StatusLabel != "success" {
		t.Fatalf("final %+v", s)
	}
	log := strings.Join(append(first.messages(), second.messages()...), "\n")
	if strings.Count(log, "built") != 1 || strings.Count(log, "deployed") != 1 {
		t.Errorf("log across both workflow runs:\n%s", log)
	}
}

// Triggered without an access token, the run waits for the pipeline to
// report through the run API, as Port's GitLab pipelines do.
func TestATriggerOnlyGitLabRunWaitsForThePipelineToReport(t *testing.T) {
	h, fake := gitlabHarness(t, "payments", "2h")
	fake.TriggerToken = "glptt-trigger"
	acts := &activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, TriggerToken: "glptt-trigger", TriggerOnly: true}}
	h.env.OnActivity(acts.TriggerGitLabPipeline, mock.Anything, mock.Anything).Return(acts.TriggerGitLabPipeline)
	label := "deployed by the pipeline"
	var reportErr error
	h.at(time.Hour, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess, StatusLabel: &label}, &reportErr)
	s := h.execute()
	if reportErr != nil || s.Status != runs.StatusSuccess || s.StatusLabel != label || len(s.Links) != 1 {
		t.Fatalf("report %v, final %+v", reportErr, s)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r, "/pipelines/") {
			t.Errorf("the run followed its pipeline: %s", r)
		}
	}
}

// GitLab rate-limiting the polls slows the run down; it does not fail it.
func TestAGitLabRateLimitSlowsTheRunDown(t *testing.T) {
	h, fake := gitlabHarness(t, "payments", "2h")
	after(h, fake, 30*time.Second, func(p int64) {
		fake.SetStatus(p, "running")
		fake.RateLimit(4, 60)
	})
	after(h, fake, 2*time.Minute, func(p int64) { fake.SetStatus(p, "success") })
	start := h.env.Now()
	s := h.execute()
	if s.Status != runs.StatusSuccess {
		t.Fatalf("final %+v", s)
	}
	if elapsed := h.env.Now().Sub(start); elapsed < 3*time.Minute {
		t.Errorf("ended after %s: want the four minutes of Retry-After waited out", elapsed)
	}
}
