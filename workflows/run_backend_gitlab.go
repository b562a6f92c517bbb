package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
)

// pollStretch makes the wait between polls grow with the time waited (1%
// of it, above the configured interval): a pipeline that runs for days is
// polled a few hundred times, which keeps the run's history bounded.
const pollStretch = 100

// runGitLabPipeline is a GITLAB run's backend: trigger the pipeline, link
// it on the run, then wait for it with a durable timer between short poll
// activities (no worker slot is held while it runs), streaming each
// finished job's trace into the run's log, and end the run with the
// pipeline's status. A run cancelled or timed out cancels the pipeline.
func (r *run) runGitLabPipeline(ctx, callCtx workflow.Context, payload []byte) error {
	inv := r.in.Action.InvocationMethod
	var a *activities.Activities
	var p activities.GitLabPipeline
	// A run cancelled while its trigger is on the way still learns of the
	// pipeline, to cancel it: the trigger is not cancelled with the run.
	triggerCtx, _ := workflow.NewDisconnectedContext(callCtx)
	err := workflow.ExecuteActivity(triggerCtx, a.TriggerGitLabPipeline, activities.TriggerGitLabPipelineInput{
		ProjectName: inv.ProjectName, GroupName: inv.GroupName, DefaultRef: inv.DefaultRef,
		PipelineVariables: inv.PipelineVariables, OmitPayload: inv.OmitPayload, OmitUserInputs: inv.OmitUserInputs, Data: payload,
	}).Get(triggerCtx, &p)
	if err == nil {
		r.s.Pipeline = &runs.PipelineFollow{ProjectID: p.ProjectID, PipelineID: p.ID, PollEvery: p.PollEvery, Since: workflow.Now(ctx)}
	}
	if err == nil && !p.ReportsItself && (r.s.Status.Ended() || r.timerFired) {
		return r.stopGitLabPipeline(ctx)
	}
	if stop, err := r.stopsAfterCall(ctx, err); stop {
		return err
	}
	r.s.ExternalRunID = strconv.FormatInt(p.ID, 10)
	if p.WebURL != "" {
		r.s.Links = append(r.s.Links, p.WebURL)
	}
	r.addLog(ctx, fmt.Sprintf("GitLab pipeline %d started: %s", p.ID, p.WebURL))
	if err := r.changed(ctx); err != nil {
		return err
	}
	if err := r.save(ctx); err != nil {
		return err
	}
	if p.ReportsItself {
		// Triggered without an access token: the pipeline reports through
		// the run API, as a webhook's backend does.
		r.s.Pipeline = nil
		return nil
	}
	return r.followGitLabPipeline(ctx, callCtx)
}

// resumeGitLabPipeline follows on the pipeline of a run that continued as
// new while it waited.
func (r *run) resumeGitLabPipeline(ctx workflow.Context) error {
	callCtx, cancel := workflow.WithCancel(ctx)
	r.cancelBackend = cancel
	defer func() { r.cancelBackend = nil }()
	return r.followGitLabPipeline(ctx, callCtx)
}

// followGitLabPipeline polls until the pipeline ends, the run ends or
// times out, or the history is long enough to continue as new (the state
// in r.s.Pipeline carries the wait over).
func (r *run) followGitLabPipeline(ctx, callCtx workflow.Context) error {
	p := r.s.Pipeline
	var a *activities.Activities
	// Secret inputs the pipeline may echo are masked in its traces: polls
	// then carry the (sealed) trigger data, which they open for that.
	var secretInputsData []byte
	if r.hasSecretInputs() {
		// encoding/json sorts map keys: deterministic.
		//workflowcheck:ignore
		data, err := json.Marshal(runs.TriggerData(r.in))
		if err != nil {
			return err
		}
		secretInputsData = data
	}
	for {
		if r.s.Status.Ended() || r.timerFired {
			return r.stopGitLabPipeline(ctx)
		}
		if r.shouldContinueAsNew(ctx) {
			return nil
		}
		pollCtx := workflow.WithActivityOptions(callCtx, workflow.ActivityOptions{
			StartToCloseTimeout:    30 * time.Second,
			ScheduleToCloseTimeout: max(r.s.RunDeadline.Sub(workflow.Now(ctx)), time.Second),
			// GitLab being away for a while does not fail the run: polls
			// retry until the run's deadline.
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
		})
		var res activities.PollGitLabPipelineResult
		err := workflow.ExecuteActivity(pollCtx, a.PollGitLabPipeline, activities.PollGitLabPipelineInput{
			ProjectID: p.ProjectID, PipelineID: p.PipelineID, Streamed: p.Streamed,
			PipelineVariables: r.in.Action.InvocationMethod.PipelineVariables, Data: secretInputsData,
		}).Get(pollCtx, &res)
		if r.s.Status.Ended() || r.timerFired {
			continue
		}
		if err != nil {
			return r.end(ctx, runs.StatusFailure, backendFailureLabel(err))
		}
		r.logJobTraces(ctx, res.Jobs)
		if err := r.flushLogs(ctx); err != nil {
			return err
		}
		if res.More {
			continue
		}
		if activities.GitLabFinished(res.Status) {
			status := runs.StatusFailure
			if res.Status == "success" {
				status = runs.StatusSuccess
			}
			return r.end(ctx, status, res.Status)
		}
		wait := max(p.PollEvery, workflow.Now(ctx).Sub(p.Since)/pollStretch)
		if _, err := workflow.AwaitWithTimeout(callCtx, wait, func() bool { return r.s.Status.Ended() || r.timerFired }); err != nil && !errors.Is(err, workflow.ErrCanceled) {
			return err
		}
	}
}

// logJobTraces adds the finished jobs' traces to the run's log and marks
// them streamed.
func (r *run) logJobTraces(ctx workflow.Context, jobs []activities.GitLabJobTrace) {
	for _, job := range jobs {
		r.s.Pipeline.Streamed = append(r.s.Pipeline.Streamed, job.ID)
		r.addLog(ctx, fmt.Sprintf("GitLab job %s (stage %s) %s: %s", job.Name, job.Stage, job.Status, job.WebURL))
		if job.Omitted > 0 {
			r.addLog(ctx, fmt.Sprintf("… %d earlier lines of %s's trace left out", job.Omitted, job.Name))
		}
		for _, line := range job.Lines {
			r.addLog(ctx, line)
		}
	}
}

// stopGitLabPipeline cancels the pipeline of a run that was cancelled or
// timed out. A run ended through the run API (the pipeline reporting its
// own outcome, Port-style) leaves its pipeline to finish.
func (r *run) stopGitLabPipeline(ctx workflow.Context) error {
	if r.s.Status.Ended() && r.s.Status != runs.StatusCancelled {
		return nil
	}
	p := r.s.Pipeline
	// The call context is cancelled already: the cancel call needs its own.
	cctx, _ := workflow.NewDisconnectedContext(ctx)
	cctx = workflow.WithActivityOptions(cctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	var a *activities.Activities
	err := workflow.ExecuteActivity(cctx, a.CancelGitLabPipeline, activities.CancelGitLabPipelineInput{ProjectID: p.ProjectID, PipelineID: p.PipelineID}).Get(cctx, nil)
	if err != nil {
		r.addLog(ctx, fmt.Sprintf("could not cancel GitLab pipeline %d: %s", p.PipelineID, backendFailureLabel(err)))
		return nil
	}
	r.addLog(ctx, fmt.Sprintf("GitLab pipeline %d cancelled", p.PipelineID))
	return nil
}

// hasSecretInputs reports whether the run has sealed inputs. The order a
// map is read in does not change the answer.
func (r *run) hasSecretInputs() bool {
	//workflowcheck:ignore
	for _, v := range r.in.Inputs {
		if secrets.IsSealed(v) {
			return true
		}
	}
	return false
}
