package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// PollGitLabPipelineInput is one look at a pipeline. Streamed lists the
// jobs whose traces the run's log has already: the workflow's cursor.
type PollGitLabPipelineInput struct {
	ProjectID, PipelineID int64
	Streamed              []int64 `json:",omitempty"`
	// PipelineVariables and Data (set when the run has secret inputs) are
	// what the pipeline was given: the secrets they hold are masked in
	// the traces, which may echo them.
	PipelineVariables map[string]any  `json:",omitempty"`
	Data              json.RawMessage `json:",omitempty"`
}

// PollGitLabPipelineResult is the pipeline's status and the traces of the
// jobs that finished since the last look.
type PollGitLabPipelineResult struct {
	Status string
	Jobs   []GitLabJobTrace `json:",omitempty"`
	// More says finished jobs remain whose traces did not fit in this
	// answer: the workflow polls again at once.
	More bool `json:",omitempty"`
}

// GitLabJobTrace is the end of one finished job's trace.
type GitLabJobTrace struct {
	ID                  int64
	Name, Stage, Status string
	WebURL              string
	Lines               []string `json:",omitempty"`
	// Omitted counts the lines before Lines that were left out.
	Omitted int `json:",omitempty"`
}

// Bounds on what one poll returns: it lands in the run's history, where a
// payload must stay well under Temporal's 2 MB limit.
const (
	tracesPerPoll      = 5
	traceLinesPerJob   = 200
	traceBytesPerJob   = 32 << 10
	traceBytesPerPoll  = 128 << 10
	traceLineMaxLength = 1000
)

// gitlabFinished are the pipeline and job statuses that do not change any more.
var gitlabFinished = []string{"success", "failed", "canceled", "skipped"}

// GitLabFinished reports whether a pipeline or job status is final.
func GitLabFinished(status string) bool { return slices.Contains(gitlabFinished, status) }

// PollGitLabPipeline reads the pipeline's status and the traces of jobs
// that finished and are not streamed yet. It is short: the workflow waits
// between polls on a timer, holding no worker slot.
func (a *Activities) PollGitLabPipeline(ctx context.Context, in PollGitLabPipelineInput) (PollGitLabPipelineResult, error) {
	call, err := a.prepareCall(ctx, in.Data, a.GitLab.Token, in.PipelineVariables)
	if err != nil {
		return PollGitLabPipelineResult{}, err
	}
	client, err := a.gitlabClient(ctx, call)
	if err != nil {
		return PollGitLabPipelineResult{}, err
	}
	opt := gitlab.WithContext(ctx)
	what := fmt.Sprintf("GitLab pipeline %d", in.PipelineID)
	// Jobs first: a pipeline seen final after its jobs were listed has
	// every job final in that list.
	var jobs []*gitlab.Job
	list := &gitlab.ListJobsOptions{ListOptions: gitlab.ListOptions{PerPage: 100, Page: 1}}
	for {
		page, resp, err := client.Jobs.ListPipelineJobs(in.ProjectID, in.PipelineID, list, opt)
		if err != nil {
			return PollGitLabPipelineResult{}, gitlabError(ctx, err, what, call.Redact)
		}
		jobs = append(jobs, page...)
		if resp.NextPage == 0 {
			break
		}
		list.Page = resp.NextPage
	}
	pipeline, _, err := client.Pipelines.GetPipeline(in.ProjectID, in.PipelineID, opt)
	if err != nil {
		return PollGitLabPipelineResult{}, gitlabError(ctx, err, what, call.Redact)
	}
	res := PollGitLabPipelineResult{Status: pipeline.Status}
	size := 0 // bytes of trace in res
	// Jobs come newest first; the log tells them in the order they ran.
	slices.SortFunc(jobs, func(x, y *gitlab.Job) int { return int(x.ID - y.ID) })
	for _, job := range jobs {
		if !GitLabFinished(job.Status) || slices.Contains(in.Streamed, job.ID) {
			continue
		}
		if len(res.Jobs) == tracesPerPoll || size > traceBytesPerPoll-traceBytesPerJob {
			res.More = true
			break
		}
		trace := GitLabJobTrace{ID: job.ID, Name: job.Name, Stage: job.Stage, Status: job.Status, WebURL: job.WebURL}
		if job.Status != "skipped" { // a skipped job never ran: no trace
			r, _, err := client.Jobs.GetTraceFile(in.ProjectID, job.ID, opt)
			if err != nil {
				return PollGitLabPipelineResult{}, gitlabError(ctx, err, fmt.Sprintf("the trace of GitLab job %d", job.ID), call.Redact)
			}
			text, _ := io.ReadAll(r)
			trace.Lines, trace.Omitted = traceTail(call.Redact.String(string(text)))
		}
		for _, l := range trace.Lines {
			size += len(l)
		}
		res.Jobs = append(res.Jobs, trace)
	}
	return res, nil
}

// ansi matches terminal escapes and GitLab's section markers
// (section_start:1700000000:name[collapsed=true]\r\x1b[0K), which mean
// nothing in a run's log.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|section_(start|end):\d+:[^\r\n]*?\r`)

// traceTail cleans a trace and keeps its last lines (at most
// traceLinesPerJob, in traceBytesPerJob); it also says how many it left out.
func traceTail(trace string) ([]string, int) {
	trace = ansi.ReplaceAllString(trace, "")
	var lines []string
	for line := range strings.SplitSeq(trace, "\n") {
		// A carriage return redraws the line: what stays is after the last one.
		if i := strings.LastIndexByte(strings.TrimRight(line, "\r"), '\r'); i >= 0 {
			line = line[i+1:]
		}
		line = strings.TrimRight(line, "\r \t")
		line = strings.Map(func(r rune) rune {
			if r < ' ' && r != '\t' || r == 0x7f {
				return -1
			}
			return r
		}, line)
		if len(line) > traceLineMaxLength {
			line = strings.ToValidUTF8(line[:traceLineMaxLength], "") + "…"
		}
		if line != "" { // blank lines say nothing in a run's log
			lines = append(lines, line)
		}
	}
	// The last lines, as many as fit in the job's share.
	kept, size := 0, 0
	for i := len(lines) - 1; i >= 0 && kept < traceLinesPerJob && size+len(lines[i]) <= traceBytesPerJob; i-- {
		kept++
		size += len(lines[i])
	}
	omitted := len(lines) - kept
	return lines[omitted:], omitted
}
