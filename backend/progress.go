package backend

import (
	"fmt"

	"go.temporal.io/sdk/client"
)

// How progress reaches the run page.
//
// The handler's Log, Link and Summary send the run workflow an Update (the
// same "log" and "report" updates Slipway's Port-style REST API sends),
// with the Temporal client the team's worker already polls with
// (activity.GetClient). The worker opens no port, holds no credential it
// did not already have, and needs neither Slipway's URL nor the run's
// token. Each line lands in the run's history once, as it happens.
//
// Heartbeats alone could not carry it: the SDK sends a heartbeat's details
// to the server at most once per 80% of the heartbeat timeout, and the run
// would have to poll DescribeWorkflowExecution for its own pending activity
// to read them, adding a poller's events to every run. Heartbeats here do
// what only they can: prove the worker is alive, and bring it the cancel.

// The run workflow's update names and request shapes (Slipway's runs
// package; a test there checks they stay the same).
const (
	updateLog    = "log"
	updateReport = "report"
)

type logRequest struct {
	Message        string
	IdempotencyKey string `json:",omitempty"`
}

type reportRequest struct {
	Links   *[]string `json:",omitempty"`
	Summary *string   `json:",omitempty"`
}

// On the Nexus path (nexus.go) the handler's worker is in the team's own
// namespace and holds no connection to Slipway's: Log, Link and Summary
// are kept and travel with the Result, and the run shows them when the
// operation completes.

// Log adds a line to the run's log, formatted as fmt.Sprintf does.
func (r *Run) Log(format string, args ...any) error {
	if r.collected != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.lines++
		r.collected.Logs = append(r.collected.Logs, fmt.Sprintf(format, args...))
		return nil
	}
	r.mu.Lock()
	r.lines++
	// A line sent again (a lost answer) is stored once; a retried call
	// (another attempt) logs its own lines.
	key := fmt.Sprintf("temporal:%s:%d", r.callID, r.lines)
	r.mu.Unlock()
	return r.update(updateLog, logRequest{Message: fmt.Sprintf(format, args...), IdempotencyKey: key})
}

// Link adds a link to the run page (a pull request, a dashboard...).
func (r *Run) Link(url string) error {
	r.mu.Lock()
	r.links = append(r.links, url)
	links := append([]string(nil), r.links...)
	if r.collected != nil {
		r.collected.Links = links
	}
	r.mu.Unlock()
	if r.collected != nil {
		return nil
	}
	return r.update(updateReport, reportRequest{Links: &links})
}

// Summary sets the run's summary, in Markdown.
func (r *Run) Summary(markdown string) error {
	if r.collected != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.collected.Summary = markdown
		return nil
	}
	return r.update(updateReport, reportRequest{Summary: &markdown})
}

func (r *Run) update(name string, arg any) error {
	h, err := r.client.UpdateWorkflow(r.ctx, client.UpdateWorkflowOptions{
		WorkflowID:   r.workflowID,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return fmt.Errorf("slipway run %s: %s: %w", r.Run.ID, name, err)
	}
	return h.Get(r.ctx, nil)
}
