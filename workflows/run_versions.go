package workflows

import "go.temporal.io/sdk/workflow"

// Run-wide version markers. Each marker costs an event and a visibility
// write (the TemporalChangeVersion search attribute), so a run records one
// marker for the release it started under, standing for every change up
// to it, instead of one per change:
//
//   - runV2 stands for record-row, notifications, skip-initial-save,
//     local-writes and log-keys (changes asked for by their own id, with
//     takes, by runs recorded before it);
//   - runV3 stands for everything runV2 does, and cancel-phase-timers.
//
// A run started today records runV3 only. Histories from before a marker
// hold none of it, so GetVersion answers the default on replay and they
// take the older branches, as they did.
const (
	runV2 = "run-v2"
	runV3 = "run-v3"
)

// isV3 reports whether the run recorded runV3. Runs from before it never
// take the changes only it stands for (they have no per-change id).
func (r *run) isV3(ctx workflow.Context) bool {
	if r.v3 == nil {
		v3 := workflow.GetVersion(ctx, runV3, workflow.DefaultVersion, 1) == 1
		r.v3 = &v3
	}
	return *r.v3
}

// takes reports whether the run takes change changeID, one of runV2's.
// Runs that recorded runV3 or runV2 take every change it stands for
// without asking again; histories recorded before runV2 (which hold no
// runV2 marker, so GetVersion answers the default on replay) ask for each
// change by its own id, as they did. runV2 is asked for only when runV3 was
// not recorded, so new runs record one marker.
func (r *run) takes(ctx workflow.Context, changeID string) bool {
	if r.isV3(ctx) {
		return true
	}
	if r.v2 == nil {
		v2 := workflow.GetVersion(ctx, runV2, workflow.DefaultVersion, 1) == 1
		r.v2 = &v2
	}
	return *r.v2 || workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) == 1
}
