package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/telemetry"
)

// recordApprovalWait measures how long the run waited for its decision
// (all stages, from the run's start), once the wait is over: approved,
// declined, expired or cancelled. The workflow's metrics handler skips
// replays, so a worker restart does not count a wait again; a metric is
// no command, so this changes nothing a replay compares.
func (r *run) recordApprovalWait(ctx workflow.Context) {
	if r.s.Status == runs.StatusWaitingForApproval || r.in.CreatedAt.IsZero() {
		return // still waiting (continued as new), or a run of old without its start
	}
	workflow.GetMetricsHandler(ctx).
		WithTags(map[string]string{"action": r.in.Action.Identifier, "status": string(r.s.Status)}).
		Timer(telemetry.ApprovalWaitMetric).
		Record(workflow.Now(ctx).Sub(r.in.CreatedAt))
}
