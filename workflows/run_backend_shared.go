package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/runs"
)

// addLog appends a line to the run's log; flushLogs stores it. Backends
// the workflow follows itself (Kafka, GitLab) write their lines here, as
// the run API's log update does.
func (r *run) addLog(ctx workflow.Context, message string) {
	r.s.LogCount++
	r.s.PendingLogs = append(r.s.PendingLogs, runs.LogLine{Seq: r.s.LogCount, Message: message, At: workflow.Now(ctx)})
}

// stopsAfterCall says whether the run stops after a backend call returned
// err: it was cancelled meanwhile, or the call failed for good (the run
// then ends FAILURE with the call's reason). Backends that go on after
// their first call (Kafka, GitLab) ask it.
func (r *run) stopsAfterCall(ctx workflow.Context, err error) (bool, error) {
	switch {
	case r.s.Status.Ended():
		return true, nil
	case err != nil:
		return true, r.end(ctx, runs.StatusFailure, backendFailureLabel(err))
	}
	return false, nil
}
