package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v88/github"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/runs/backendrequest"
)

// GitHubTarget is the workflow a GITHUB action dispatches.
type GitHubTarget struct {
	Org, Repo string
	// Workflow is the workflow's file name (deploy.yml) or numeric id.
	Workflow string
}

func (t GitHubTarget) String() string { return t.Workflow + " in " + t.Org + "/" + t.Repo }

// DispatchGitHubInput is one workflow_dispatch.
type DispatchGitHubInput struct {
	GitHubTarget
	// WorkflowInputs are the definition's templates; empty sends Port's
	// legacy inputs (githubInputs).
	WorkflowInputs map[string]any `json:",omitempty"`
	OmitPayload    bool           `json:",omitempty"`
	OmitUserInputs bool           `json:",omitempty"`
	// Data is the trigger data (Port's payload).
	Data json.RawMessage `json:",omitempty"`
}

// DispatchGitHubResult is what the dispatch learned.
type DispatchGitHubResult struct {
	// RunID and HTMLURL are the run's, when GitHub answered with its
	// details; 0 and "" when it answered 204 (PollGitHubRun finds it).
	RunID        int64  `json:",omitempty"`
	HTMLURL      string `json:",omitempty"`
	Ref          string
	DispatchedAt time.Time
}

// DispatchGitHubWorkflow renders the inputs and dispatches the workflow on
// the repository's default branch, asking for the run's details.
func (a *Activities) DispatchGitHubWorkflow(ctx context.Context, in DispatchGitHubInput) (DispatchGitHubResult, error) {
	call, client, err := a.prepareGitHubCall(ctx, in.Data, in.WorkflowInputs)
	if err != nil {
		return DispatchGitHubResult{}, err
	}
	inputs, err := githubInputs(ctx, in, call)
	if err != nil {
		return DispatchGitHubResult{}, temporal.NewNonRetryableApplicationError("template failed: "+call.Redact.String(err.Error()), ErrTypeTemplate, nil)
	}
	repo, _, err := client.Repositories.Get(ctx, in.Org, in.Repo)
	if err != nil {
		return DispatchGitHubResult{}, githubError(ctx, err, "reading repository "+in.Org+"/"+in.Repo, call.Redact)
	}
	ref := repo.GetDefaultBranch()
	dispatchedAt := time.Now().UTC()
	event := github.CreateWorkflowDispatchEventRequest{Ref: ref, Inputs: inputs, ReturnRunDetails: github.Ptr(true)}
	var details *github.WorkflowDispatchRunDetails
	if id, isID := workflowID(in.Workflow); isID {
		details, _, err = client.Actions.CreateWorkflowDispatchEventByID(ctx, in.Org, in.Repo, id, event)
	} else {
		details, _, err = client.Actions.CreateWorkflowDispatchEventByFileName(ctx, in.Org, in.Repo, in.Workflow, event)
	}
	if err != nil {
		return DispatchGitHubResult{}, githubError(ctx, err, "dispatching "+in.GitHubTarget.String(), call.Redact)
	}
	return DispatchGitHubResult{RunID: details.GetWorkflowRunID(), HTMLURL: details.GetHTMLURL(), Ref: ref, DispatchedAt: dispatchedAt}, nil
}

func workflowID(workflow string) (int64, bool) {
	id, err := strconv.ParseInt(workflow, 10, 64)
	return id, err == nil
}

// githubInputs are the run's workflow_dispatch inputs (see
// backendrequest.GitHubInputs, which the dry run renders them with too).
func githubInputs(ctx context.Context, in DispatchGitHubInput, call backendCall) (map[string]any, error) {
	return backendrequest.GitHubInputs(ctx, in.WorkflowInputs, in.OmitPayload, in.OmitUserInputs, call.Scope, call.Payload)
}

// PollGitHubInput is one look at a dispatched run.
type PollGitHubInput struct {
	GitHubTarget
	// RunID is the run's id; 0 looks for it (FindGitHubRun's fields).
	RunID int64 `json:",omitempty"`
	GitHubRunSearch
	// LoggedJobs are the jobs whose logs the run has already.
	LoggedJobs []int64 `json:",omitempty"`
	// SecretInputs is trigger data with only the run's secret inputs
	// (sealed) and its id, so that job logs echoing them are masked; nil
	// for runs without secret inputs.
	SecretInputs json.RawMessage `json:",omitempty"`
}

// PollGitHubResult is the run as GitHub shows it, and new job logs.
type PollGitHubResult struct {
	RunID   int64  `json:",omitempty"`
	HTMLURL string `json:",omitempty"`
	// Status is queued, in_progress, completed...; Conclusion is set once
	// completed (success, failure, cancelled, skipped, neutral, timed_out...).
	Status     string `json:",omitempty"`
	Conclusion string `json:",omitempty"`
	// Logs of the jobs that finished since LoggedJobs, in order.
	Logs []GitHubJobLog `json:",omitempty"`
	// MoreLogs says finished jobs are left for the next poll.
	MoreLogs bool `json:",omitempty"`
}

// GitHubJobLog is the end of one finished job's log.
type GitHubJobLog struct {
	JobID      int64
	Name       string
	Conclusion string
	Lines      []string `json:",omitempty"`
}

// PollGitHubRun looks at the run once: a short activity between the
// workflow's timers, so waiting holds no worker slot.
func (a *Activities) PollGitHubRun(ctx context.Context, in PollGitHubInput) (PollGitHubResult, error) {
	call, client, err := a.prepareGitHubCall(ctx, in.SecretInputs)
	if err != nil {
		return PollGitHubResult{}, err
	}
	runID := in.RunID
	if runID == 0 {
		if runID, err = findGitHubRun(ctx, client, in.GitHubTarget, in.GitHubRunSearch, call.Redact); err != nil || runID == 0 {
			return PollGitHubResult{}, err
		}
	}
	run, _, err := client.Actions.GetWorkflowRunByID(ctx, in.Org, in.Repo, runID)
	if err != nil {
		return PollGitHubResult{}, githubError(ctx, err, fmt.Sprintf("reading run %d of %s", runID, in.GitHubTarget), call.Redact)
	}
	res := PollGitHubResult{RunID: runID, HTMLURL: run.GetHTMLURL(), Status: run.GetStatus(), Conclusion: run.GetConclusion()}
	if res.Status == "queued" || res.Status == "pending" || res.Status == "waiting" {
		return res, nil // no job has run: spare the rate limit
	}
	res.Logs, res.MoreLogs, err = a.newJobLogs(ctx, client, in, runID, call.Redact)
	if err != nil {
		return PollGitHubResult{}, err
	}
	return res, nil
}

// GitHubRunSearch finds a run that a server answered 204 to the dispatch
// of (GitHub Enterprise Server before run details).
type GitHubRunSearch struct {
	// Marker is the Slipway run's id. Several dispatches of one workflow
	// at once share branch, actor, commit and minute, so none of those
	// tells their runs apart; only what the run was dispatched with does,
	// and the one part of that GitHub shows is the run's name. So the
	// workflow names its runs after it (run-name with the run id from
	// port_payload or port_context), and the run is the one whose name
	// holds this marker: never a guess among look-alikes.
	Marker       string    `json:",omitempty"`
	Ref          string    `json:",omitempty"`
	DispatchedAt time.Time `json:",omitempty"`
}

// findGitHubRun returns the id of the dispatched run whose name holds the
// marker, or 0 while GitHub does not list it yet.
func findGitHubRun(ctx context.Context, client *github.Client, t GitHubTarget, s GitHubRunSearch, redact redactor) (int64, error) {
	opts := &github.ListWorkflowRunsOptions{
		// A minute's slack: GitHub's clock is not ours.
		Event: "workflow_dispatch", Branch: s.Ref, Created: ">=" + s.DispatchedAt.Add(-time.Minute).UTC().Format(time.RFC3339),
		ListOptions: github.ListOptions{PerPage: 100},
	}
	var runs *github.WorkflowRuns
	var err error
	if id, isID := workflowID(t.Workflow); isID {
		runs, _, err = client.Actions.ListWorkflowRunsByID(ctx, t.Org, t.Repo, id, opts)
	} else {
		runs, _, err = client.Actions.ListWorkflowRunsByFileName(ctx, t.Org, t.Repo, t.Workflow, opts)
	}
	if err != nil {
		return 0, githubError(ctx, err, "listing the runs of "+t.String(), redact)
	}
	for _, r := range runs.WorkflowRuns {
		if containsMarker(r.GetDisplayTitle(), s.Marker) || containsMarker(r.GetName(), s.Marker) {
			return r.GetID(), nil
		}
	}
	return 0, nil
}

func containsMarker(name, marker string) bool {
	return marker != "" && strings.Contains(name, marker)
}

// CancelGitHubInput names the run to cancel.
type CancelGitHubInput struct {
	GitHubTarget
	RunID int64 `json:",omitempty"`
	GitHubRunSearch
}

// CancelGitHubRun cancels the run; a run that has finished already
// (GitHub answers 409) or was never found is fine.
func (a *Activities) CancelGitHubRun(ctx context.Context, in CancelGitHubInput) error {
	call, client, err := a.prepareGitHubCall(ctx, nil)
	if err != nil {
		return err
	}
	runID := in.RunID
	if runID == 0 {
		if runID, err = findGitHubRun(ctx, client, in.GitHubTarget, in.GitHubRunSearch, call.Redact); err != nil {
			return err
		}
		if runID == 0 {
			// Dispatched but not listed yet: retried until it is.
			return errors.New("the dispatched run of " + in.GitHubTarget.String() + " is not listed yet")
		}
	}
	_, err = client.Actions.CancelWorkflowRunByID(ctx, in.Org, in.Repo, runID)
	var accepted *github.AcceptedError
	var resp *github.ErrorResponse
	switch {
	case err == nil, errors.As(err, &accepted):
		return nil
	case errors.As(err, &resp) && resp.Response != nil && resp.Response.StatusCode == 409:
		return nil // finished already
	}
	return githubError(ctx, err, fmt.Sprintf("cancelling run %d of %s", runID, in.GitHubTarget), call.Redact)
}
