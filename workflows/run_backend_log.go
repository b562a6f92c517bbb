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
