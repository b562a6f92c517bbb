package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/runs/backendrequest"
)

// TriggerGitLabPipelineInput is a GITLAB run's pipeline to start: the
// definition's fields (templates) and the trigger data they see.
type TriggerGitLabPipelineInput struct {
	ProjectName, GroupName, DefaultRef string
	PipelineVariables                  map[string]any `json:",omitempty"`
	OmitPayload, OmitUserInputs        bool
	Data                               json.RawMessage `json:",omitempty"`
}

// GitLabPipeline is a pipeline a run follows.
type GitLabPipeline struct {
	ProjectID int64
	ID        int64
	WebURL    string
	Status    string
	// PollEvery is the configured wait between two polls, recorded in the
	// history so the workflow's timers replay the same.
	PollEvery time.Duration
	// ReportsItself says the run does not follow the pipeline
	// (SLIPWAY_GITLAB_FOLLOW=false): the pipeline reports through the run API.
	ReportsItself bool `json:",omitempty"`
}

// GitLabPayloadVariable carries the trigger data to pipelines of
// definitions without pipelineVariables (Port's legacy convention).
const GitLabPayloadVariable = backendrequest.GitLabPayloadVariable

// ErrTypeGitLabBusy marks a rate-limited or failing GitLab: retried.
const ErrTypeGitLabBusy = "gitlab_busy"

// ErrTypeGitLabNotFound marks a project or pipeline GitLab does not know
// (or the token cannot see): permanent.
const ErrTypeGitLabNotFound = "gitlab_not_found"

// TriggerGitLabPipeline starts the run's pipeline: with the trigger token
// when one is configured, else through the API with the access token.
func (a *Activities) TriggerGitLabPipeline(ctx context.Context, in TriggerGitLabPipelineInput) (GitLabPipeline, error) {
	cfg := a.GitLab
	templates := []any{in.ProjectName, in.GroupName, in.DefaultRef, in.PipelineVariables, cfg.TriggerToken}
	if !cfg.TriggerOnly {
		templates = append(templates, cfg.Token)
	}
	call, err := a.prepareCall(ctx, in.Data, templates...)
	if err != nil {
		return GitLabPipeline{}, err
	}
	redact := call.Redact
	project, ref, variables, err := renderPipeline(ctx, in, call)
	if err != nil {
		return GitLabPipeline{}, temporal.NewNonRetryableApplicationError("template failed: "+redact.String(err.Error()), ErrTypeTemplate, nil)
	}
	if cfg.TriggerOnly {
		return a.triggerUnfollowed(ctx, call, project, ref, variables)
	}
	client, err := a.gitlabClient(ctx, call)
	if err != nil {
		return GitLabPipeline{}, err
	}
	opt := gitlab.WithContext(ctx)
	p, _, err := client.Projects.GetProject(project, nil, opt)
	if err != nil {
		return GitLabPipeline{}, gitlabError(ctx, err, "GitLab project "+project, redact)
	}
	if ref == "" {
		ref = p.DefaultBranch
	}
	var pipeline *gitlab.Pipeline
	if cfg.TriggerToken != "" {
		pipeline, err = a.runTrigger(ctx, client, call, p.ID, project, ref, variables)
		if err != nil {
			return GitLabPipeline{}, err
		}
	} else {
		vars := make([]*gitlab.PipelineVariableOptions, 0, len(variables))
		for _, k := range sortedKeys(variables) {
			vars = append(vars, &gitlab.PipelineVariableOptions{Key: gitlab.Ptr(k), Value: gitlab.Ptr(variables[k]), VariableType: gitlab.Ptr(gitlab.EnvVariableType)})
		}
		pipeline, _, err = client.Pipelines.CreatePipeline(p.ID, &gitlab.CreatePipelineOptions{Ref: &ref, Variables: &vars}, opt)
		if err != nil {
			return GitLabPipeline{}, gitlabError(ctx, err, "a pipeline of "+project+" at "+ref, redact)
		}
	}
	return GitLabPipeline{ProjectID: p.ID, ID: pipeline.ID, WebURL: pipeline.WebURL, Status: pipeline.Status, PollEvery: cfg.PollInterval}, nil
}

// triggerUnfollowed triggers with the trigger token alone: no access
// token, so no project lookup (the ref defaults to main, as in Port) and no
// following.
func (a *Activities) triggerUnfollowed(ctx context.Context, call backendCall, project, ref string, variables map[string]string) (GitLabPipeline, error) {
	client, err := gitlab.NewAuthSourceClient(gitlab.Unauthenticated{}, a.gitlabOptions()...)
	if err != nil {
		return GitLabPipeline{}, temporal.NewNonRetryableApplicationError("SLIPWAY_GITLAB_URL: "+call.Redact.String(err.Error()), ErrTypeNotConfigured, nil)
	}
	if ref == "" {
		ref = "main"
	}
	pipeline, err := a.runTrigger(ctx, client, call, project, project, ref, variables)
	if err != nil {
		return GitLabPipeline{}, err
	}
	return GitLabPipeline{ProjectID: pipeline.ProjectID, ID: pipeline.ID, WebURL: pipeline.WebURL, Status: pipeline.Status, ReportsItself: true}, nil
}

// runTrigger triggers a pipeline of pid (project named project) with the
// configured trigger token.
func (a *Activities) runTrigger(ctx context.Context, client *gitlab.Client, call backendCall, pid any, project, ref string, variables map[string]string) (*gitlab.Pipeline, error) {
	token, err := jqtemplate.RenderString(ctx, a.GitLab.TriggerToken, call.Scope)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("SLIPWAY_GITLAB_TRIGGER_TOKEN: "+call.Redact.String(err.Error()), ErrTypeNotConfigured, nil)
	}
	pipeline, _, err := client.PipelineTriggers.RunPipelineTrigger(pid, &gitlab.RunPipelineTriggerOptions{Ref: &ref, Token: &token, Variables: variables}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, gitlabError(ctx, err, "the pipeline trigger of "+project, call.Redact)
	}
	return pipeline, nil
}

// CancelGitLabPipelineInput names the pipeline to cancel.
type CancelGitLabPipelineInput struct {
	ProjectID, PipelineID int64
}

// CancelGitLabPipeline cancels a pipeline whose run was cancelled or timed
// out. A pipeline that has finished meanwhile is left as it is.
func (a *Activities) CancelGitLabPipeline(ctx context.Context, in CancelGitLabPipelineInput) error {
	call, err := a.prepareCall(ctx, nil, a.GitLab.Token)
	if err != nil {
		return err
	}
	client, err := a.gitlabClient(ctx, call)
	if err != nil {
		return err
	}
	_, _, err = client.Pipelines.CancelPipelineBuild(in.ProjectID, in.PipelineID, gitlab.WithContext(ctx))
	if err != nil {
		return gitlabError(ctx, err, fmt.Sprintf("GitLab pipeline %d", in.PipelineID), call.Redact)
	}
	return nil
}

// gitlabClient is a client of the configured server with the access token.
func (a *Activities) gitlabClient(ctx context.Context, call backendCall) (*gitlab.Client, error) {
	token, err := jqtemplate.RenderString(ctx, a.GitLab.Token, call.Scope)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("SLIPWAY_GITLAB_TOKEN: "+call.Redact.String(err.Error()), ErrTypeNotConfigured, nil)
	}
	if strings.TrimSpace(token) == "" {
		return nil, temporal.NewNonRetryableApplicationError("GitLab is not configured: SLIPWAY_GITLAB_TOKEN names no token", ErrTypeNotConfigured, nil)
	}
	client, err := gitlab.NewClient(token, a.gitlabOptions()...)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("SLIPWAY_GITLAB_URL: "+call.Redact.String(err.Error()), ErrTypeNotConfigured, nil)
	}
	return client, nil
}

// gitlabOptions point clients at the configured server, through the
// outbound client. Their own retries are off: Temporal retries the activity.
func (a *Activities) gitlabOptions() []gitlab.ClientOptionFunc {
	return []gitlab.ClientOptionFunc{gitlab.WithBaseURL(a.GitLab.BaseURL), gitlab.WithHTTPClient(a.httpClient()), gitlab.WithoutRetries()}
}

// gitlabError classifies a failed GitLab call: 404 and the other 4xx fail
// for good with a label that says what is wrong; 429, 5xx and network
// errors are retried. what names the thing asked for.
func gitlabError(ctx context.Context, err error, what string, redact redactor) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	if refused := refusedOutbound(err, "GitLab call"); refused != nil {
		return refused
	}
	var answer *gitlab.ErrorResponse
	switch {
	case errors.Is(err, gitlab.ErrNotFound): // the client's own error for every 404
		return temporal.NewNonRetryableApplicationError(what+" not found (or the token cannot see it)", ErrTypeGitLabNotFound, nil)
	case !errors.As(err, &answer) || answer.Response == nil:
		return errors.New("GitLab unreachable: " + redact.String(err.Error()))
	}
	status := answer.Response.StatusCode
	message := redact.String(gitlabMessage(answer))
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("GitLab refused the token for %s (%d)", what, status), ErrTypeBackendRejected, nil)
	case status == http.StatusTooManyRequests || status >= 500:
		// Retried; a rate limit's Retry-After says when, so waiting slows
		// the run down instead of spending its attempts.
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("GitLab answered %d for %s", status, what), ErrTypeGitLabBusy,
			temporal.ApplicationErrorOptions{NextRetryDelay: retryAfter(answer.Response)})
	default:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("GitLab refused %s (%d): %s", what, status, message), ErrTypeBackendRejected, nil)
	}
}

// retryAfter reads a rate-limited answer's Retry-After (seconds), else
// RateLimit-Reset (Unix time): zero when neither says, leaving the delay
// to the retry policy. It is capped at ten minutes.
func retryAfter(resp *http.Response) time.Duration {
	var wait time.Duration
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		wait = time.Duration(secs) * time.Second
	} else if reset, err := strconv.ParseInt(resp.Header.Get("RateLimit-Reset"), 10, 64); err == nil {
		wait = time.Until(time.Unix(reset, 0))
	}
	return min(max(wait, 0), 10*time.Minute)
}

// gitlabMessage is the message of a GitLab error body, which is a string
// or an object of lists ({"base": ["Reference not found"]}).
func gitlabMessage(answer *gitlab.ErrorResponse) string {
	var body struct {
		Message any `json:"message"`
		Error   any `json:"error"`
	}
	if json.Unmarshal(answer.Body, &body) == nil {
		for _, v := range []any{body.Message, body.Error} {
			switch x := v.(type) {
			case string:
				return x
			case map[string]any, []any:
				b, _ := json.Marshal(x)
				return string(b)
			}
		}
	}
	return http.StatusText(answer.Response.StatusCode)
}

// renderPipeline renders the project path, the ref and the variables
// (see backendrequest.GitLabPipeline, which the dry run renders them with too).
func renderPipeline(ctx context.Context, in TriggerGitLabPipelineInput, call backendCall) (project, ref string, variables map[string]string, err error) {
	return backendrequest.GitLabPipeline(ctx, backendrequest.GitLabTemplate{
		GroupName: in.GroupName, ProjectName: in.ProjectName, DefaultRef: in.DefaultRef,
		PipelineVariables: in.PipelineVariables, OmitPayload: in.OmitPayload, OmitUserInputs: in.OmitUserInputs,
	}, call.Scope, call.Payload)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
