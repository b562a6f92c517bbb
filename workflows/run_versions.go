package workflows

import "go.temporal.io/sdk/workflow"

// runV2 is the change id every run started since this release records,
// once, in place of one marker per change: each version marker costs an
// event and a visibility write (the TemporalChangeVersion search attribute),
// and a run took four of them before it did any work. The changes it stands
// for are listed in takes.
const runV2 = "run-v2"

// takes reports whether the run takes change changeID. Runs that recorded
// runV2 take every change it stands for without asking again; histories
// recorded before it (which hold no runV2 marker, so GetVersion answers the
// default on replay) ask for each change by its own id, as they did.
//
// runV2 stands for: record-row, notifications, skip-initial-save,
// local-writes and log-keys.
func (r *run) takes(ctx workflow.Context, changeID string) bool {
	if r.v2 == nil {
		v2 := workflow.GetVersion(ctx, runV2, workflow.DefaultVersion, 1) == 1
		r.v2 = &v2
	}
	return *r.v2 || workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) == 1
}
