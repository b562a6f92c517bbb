package workflows

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/secrets"
)

// A GITHUB run dispatches a GitHub Actions workflow, links the GitHub run
// on the run page and, when the definition reports the workflow's status
// (Port's default), follows it to its conclusion: a durable timer in this
// workflow between short poll activities, so a waiting run holds no
// worker slot, survives workers that die, and continues as new like any
// other run (State.GitHub carries what it follows). Job logs join the
// run's log as jobs finish. Without reportWorkflowStatus the workflow
// reports itself through the run API, as a webhook backend does.

// Bounds of the wait between two polls: it grows with the run's age
// (a tenth of it), so long runs cost few polls and short ones end soon.
// Each poll costs two GitHub requests (run, jobs) of a token's 5,000 an
// hour, and two tasks of the Temporal server; 1,000 runs polled every 5 s
// saturated the 2-core dev stack (BenchmarkGitHubWaiting).
const (
	defaultGitHubPollInterval = 10 * time.Second
	maxGitHubPollInterval     = time.Minute
)

// gitHubSearchTimeout is how long a run answered 204 is looked for before
// the run fails with a label saying how to name the workflow's runs.
const gitHubSearchTimeout = 5 * time.Minute

func (r *run) gitHubTarget() activities.GitHubTarget {
	inv := r.in.Action.InvocationMethod
	return activities.GitHubTarget{Org: inv.Org, Repo: inv.Repo, Workflow: inv.Workflow}
}

// callGitHub dispatches the workflow and, when the run ends with its
// conclusion, starts following it.
func (r *run) callGitHub(ctx workflow.Context, payload []byte) error {
	inv := r.in.Action.InvocationMethod
	callCtx, cancel := workflow.WithCancel(ctx)
	r.cancelBackend = cancel
	callCtx = workflow.WithActivityOptions(callCtx, r.gitHubActivityOptions(ctx))
	var a *activities.Activities
	var res activities.DispatchGitHubResult
	err := workflow.ExecuteActivity(callCtx, a.DispatchGitHubWorkflow, activities.DispatchGitHubInput{
		GitHubTarget: r.gitHubTarget(), WorkflowInputs: inv.WorkflowInputs, OmitPayload: inv.OmitPayload, OmitUserInputs: inv.OmitUserInputs, Data: payload,
	}).Get(callCtx, &res)
	r.cancelBackend = nil
	switch {
	case err != nil && r.s.Status.Ended():
		return nil // cancelled or timed out while dispatching
	case err != nil:
		return r.end(ctx, runs.StatusFailure, backendFailureLabel(err))
	}
	// Known even when the run ended meanwhile: finish cancels it then.
	r.s.GitHub = &runs.GitHubRun{Ref: res.Ref, DispatchedAt: res.DispatchedAt}
	if r.s.Status.Ended() {
		r.s.GitHub.RunID = res.RunID
		return nil
	}
	r.learnGitHubRun(res.RunID, res.HTMLURL)
	if inv.ReportsWorkflowStatus() {
		r.followGitHub(ctx)
	}
	return r.save(ctx)
}

// learnGitHubRun links the GitHub run on the run page, once its id is known.
func (r *run) learnGitHubRun(runID int64, htmlURL string) {
	if runID == 0 || r.s.GitHub.RunID != 0 {
		return
	}
	r.s.GitHub.RunID, r.s.GitHub.HTMLURL = runID, htmlURL
	r.s.ExternalRunID = strconv.FormatInt(runID, 10)
	if htmlURL != "" {
		r.s.Links = append(r.s.Links, htmlURL)
	}
}

// resumeGitHub goes on following the GitHub run in a run continued as new.
func (r *run) resumeGitHub(ctx workflow.Context) {
	if r.s.GitHub != nil && !r.s.GitHub.Concluded && r.in.Action.InvocationMethod.ReportsWorkflowStatus() {
		r.followGitHub(ctx)
	}
}

// followGitHub polls the GitHub run in a coroutine until it concludes or
// the run ends otherwise (r.end cancels it through cancelBackend). The
// run's own loop stores the log lines it adds and notices the end.
func (r *run) followGitHub(ctx workflow.Context) {
	followCtx, cancel := workflow.WithCancel(ctx)
	r.cancelBackend = cancel
	// The run's age counts from the dispatch, also in a run continued as new.
	started := r.s.GitHub.DispatchedAt
	secretInputs := r.secretInputsData()
	workflow.Go(followCtx, func(gctx workflow.Context) {
		wait := r.in.BackendPollInterval
		if wait <= 0 {
			wait = defaultGitHubPollInterval
		}
		more := false
		for !r.s.Status.Ended() {
			if r.shouldContinueAsNew(gctx) {
				// Polls grow the history with nothing else waking the
				// run's loop: wake it to continue as new, which resumes
				// following from State.GitHub. (Once true, it stays true.)
				r.followerYielded = true
				return
			}
			if !more {
				if err := workflow.Sleep(gctx, r.gitHubPollWait(gctx, started, wait)); err != nil {
					return // the run ended
				}
			}
			// Options per poll: its retries stop at the run's deadline.
			pollCtx := workflow.WithActivityOptions(gctx, r.gitHubActivityOptions(gctx))
			var a *activities.Activities
			var res activities.PollGitHubResult
			gh := r.s.GitHub
			err := workflow.ExecuteActivity(pollCtx, a.PollGitHubRun, activities.PollGitHubInput{
				GitHubTarget: r.gitHubTarget(), RunID: gh.RunID, LoggedJobs: gh.LoggedJobs,
				GitHubRunSearch: r.gitHubSearch(), SecretInputs: secretInputs,
			}).Get(pollCtx, &res)
			if r.s.Status.Ended() {
				return
			}
			if err != nil {
				_ = r.end(gctx, runs.StatusFailure, backendFailureLabel(err))
				return
			}
			if res.RunID == 0 {
				if workflow.Now(gctx).Sub(gh.DispatchedAt) > gitHubSearchTimeout {
					_ = r.end(gctx, runs.StatusFailure, fmt.Sprintf("dispatched %s, but GitHub lists no run named with this run's id (%s): "+
						"give the workflow a run-name that holds it, e.g. run-name: ${{ fromJSON(inputs.port_payload).run.id }}", r.gitHubTarget(), r.in.RunID))
					return
				}
				continue
			}
			r.learnGitHubRun(res.RunID, res.HTMLURL)
			r.addJobLogs(gctx, res.Logs)
			more = res.MoreLogs
			if res.Status == "completed" && !more {
				gh.Concluded = true
				status, label := gitHubConclusion(res.Conclusion)
				_ = r.end(gctx, status, label)
				return
			}
		}
	})
}

// gitHubPollWait is the wait before the next poll: a tenth of the run's
// age, at least the first interval, at most a minute, stretched by up to
// a fifth by the run's id, so runs started together do not poll together.
func (r *run) gitHubPollWait(ctx workflow.Context, started time.Time, first time.Duration) time.Duration {
	wait := min(max(workflow.Now(ctx).Sub(started)/10, first), max(first, maxGitHubPollInterval))
	h := fnv.New32a()
	_, _ = h.Write([]byte(r.in.RunID))
	return wait + wait*time.Duration(h.Sum32()%1000)/5000
}

// secretInputsData is the part of the trigger data a poll needs to mask
// the run's secret inputs in job logs: the sealed inputs and the run's id
// (small, unlike the whole payload each poll would add to the history).
func (r *run) secretInputsData() json.RawMessage {
	sealed := map[string]any{}
	// Filling a map: the order of the loop does not show.
	//workflowcheck:ignore
	for name, v := range r.in.Inputs {
		if secrets.IsSealed(v) {
			sealed[name] = v
		}
	}
	if len(sealed) == 0 {
		return nil
	}
	// encoding/json sorts map keys: deterministic.
	//workflowcheck:ignore
	data, _ := json.Marshal(map[string]any{"inputs": sealed, "run": map[string]any{"id": r.in.RunID}})
	return data
}

func (r *run) gitHubSearch() activities.GitHubRunSearch {
	return activities.GitHubRunSearch{Marker: r.in.RunID, Ref: r.s.GitHub.Ref, DispatchedAt: r.s.GitHub.DispatchedAt}
}

// addJobLogs puts finished jobs' log lines in the run's log, each line
// prefixed with its job's name; the run's loop stores them.
func (r *run) addJobLogs(ctx workflow.Context, logs []activities.GitHubJobLog) {
	now := workflow.Now(ctx)
	add := func(msg string) {
		r.s.LogCount++
		r.s.PendingLogs = append(r.s.PendingLogs, runs.LogLine{Seq: r.s.LogCount, Message: msg, At: now})
	}
	for _, job := range logs {
		add(fmt.Sprintf("[%s] job finished: %s", job.Name, job.Conclusion))
		for _, line := range job.Lines {
			add("[" + job.Name + "] " + line)
		}
		r.s.GitHub.LoggedJobs = append(r.s.GitHub.LoggedJobs, job.JobID)
	}
}

// gitHubConclusion maps a GitHub run's conclusion to the run's end, as
// Port does: success, skipped and neutral succeed; anything else fails
// with the conclusion as its label.
func gitHubConclusion(conclusion string) (runs.Status, string) {
	switch conclusion {
	case "success", "skipped", "neutral":
		return runs.StatusSuccess, "GitHub workflow run: " + conclusion
	case "":
		return runs.StatusFailure, "GitHub workflow run completed without a conclusion"
	}
	return runs.StatusFailure, conclusion
}

// gitHubActivityOptions: each call is short; retries (rate limits wait as
// GitHub asks, errors back off) go on until the run's deadline, never
// past it.
func (r *run) gitHubActivityOptions(ctx workflow.Context) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: max(r.s.RunDeadline.Sub(workflow.Now(ctx)), time.Second),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrTypeBackendRejected, activities.ErrTypeTemplate, activities.ErrTypeSecret},
		},
	}
}

// stopGitHub cancels the GitHub run when the run ended without it: the
// user cancelled the run, or it timed out. 409 (finished already) is fine;
// a cancel that fails is logged, the run has ended either way.
func (r *run) stopGitHub(ctx workflow.Context) {
	gh := r.s.GitHub
	if gh == nil || gh.Concluded || !(r.s.Status == runs.StatusCancelled || r.timerFired) {
		return
	}
	cctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second, ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrTypeBackendRejected, activities.ErrTypeSecret}},
	})
	var a *activities.Activities
	err := workflow.ExecuteActivity(cctx, a.CancelGitHubRun, activities.CancelGitHubInput{
		GitHubTarget: r.gitHubTarget(), RunID: gh.RunID, GitHubRunSearch: r.gitHubSearch(),
	}).Get(cctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("cancelling the GitHub run failed", "github_run", gh.RunID, "err", err)
		return
	}
	gh.Concluded = true
}
