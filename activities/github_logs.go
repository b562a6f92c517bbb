package activities

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-github/v88/github"
)

// Bounds of the job logs one poll brings back: a poll's result lands in
// the run's history, so it stays well under Temporal's payload limit.
const (
	jobLogsPerPoll   = 5
	jobLogTailBytes  = 32 << 10
	jobLogTailLines  = 200
	jobLogLineLength = 1000
)

// newJobLogs fetches the ends of the logs of jobs that finished since
// in.LoggedJobs. GitHub answers a job's log with a 302 to a short-lived
// URL, fetched without the credentials.
func (a *Activities) newJobLogs(ctx context.Context, client *github.Client, in PollGitHubInput, runID int64, redact redactor) ([]GitHubJobLog, bool, error) {
	jobs, _, err := client.Actions.ListWorkflowJobs(ctx, in.Org, in.Repo, runID, &github.ListWorkflowJobsOptions{Filter: "latest", ListOptions: github.ListOptions{PerPage: 100}})
	if err != nil {
		return nil, false, githubError(ctx, err, fmt.Sprintf("listing the jobs of run %d", runID), redact)
	}
	var logs []GitHubJobLog
	for _, job := range jobs.Jobs {
		if job.GetStatus() != "completed" || slices.Contains(in.LoggedJobs, job.GetID()) {
			continue
		}
		if len(logs) == jobLogsPerPoll {
			return logs, true, nil
		}
		log := GitHubJobLog{JobID: job.GetID(), Name: job.GetName(), Conclusion: job.GetConclusion()}
		url, _, err := client.Actions.GetWorkflowJobLogs(ctx, in.Org, in.Repo, job.GetID(), 1)
		if err != nil {
			return nil, false, githubError(ctx, err, fmt.Sprintf("reading the log of job %q", job.GetName()), redact)
		}
		lines, err := a.fetchLogTail(ctx, url.String())
		if err != nil {
			// The job's log is gone or unreadable: say so in the run's log
			// rather than stop following the run.
			lines = []string{"(log not available: " + redact.String(err.Error()) + ")"}
		}
		for i := range lines {
			lines[i] = redact.String(lines[i])
		}
		log.Lines = lines
		logs = append(logs, log)
	}
	return logs, false, nil
}

// fetchLogTail reads a log and keeps its last lines.
func (a *Activities) fetchLogTail(ctx context.Context, url string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("log download failed")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("log download answered %s", resp.Status)
	}
	// Keep the end: that is where a failure shows.
	tail := newTailBuffer(jobLogTailBytes)
	if _, err := io.Copy(tail, resp.Body); err != nil {
		return nil, fmt.Errorf("log download broke off")
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(tail.Bytes()))
	sc.Buffer(make([]byte, 0, 64<<10), jobLogTailBytes+1)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if len(line) > jobLogLineLength {
			line = line[:jobLogLineLength] + "…"
		}
		lines = append(lines, line)
	}
	if len(lines) > jobLogTailLines {
		lines = append([]string{fmt.Sprintf("(%d earlier lines left out)", len(lines)-jobLogTailLines)}, lines[len(lines)-jobLogTailLines:]...)
	}
	return lines, nil
}

// tailBuffer keeps the last n bytes written to it.
type tailBuffer struct {
	n   int
	buf []byte
}

func newTailBuffer(n int) *tailBuffer { return &tailBuffer{n: n} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.n {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.n:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte {
	if len(t.buf) > t.n {
		return t.buf[len(t.buf)-t.n:]
	}
	return t.buf
}
