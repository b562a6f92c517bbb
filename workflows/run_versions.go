package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/runs"
)

// runV2 is the change id runs started by the release before CodeVersion
// record, once, in place of one marker per change: each version marker
// costs an event and a visibility write (the TemporalChangeVersion search
// attribute), and a run took four of them before it did any work. The
// changes it stands for are listed in takes.
const runV2 = "run-v2"

// runs.CodeVersion is the version of the run workflow's code that starters
// ask for in runs.Input.CodeVersion; firstCodeVersion was the first. A run
// that carries it takes every change below without any version marker:
// the input is in the history already, and a marker would cost its first
// task a visibility write (GetVersion upserts TemporalChangeVersion), a
// third of what Temporal spends on a short run beyond a bare workflow.
//
// Version 3 stands for everything runV2 stands for, plus status-unchanged
// (no status search attribute upserted when it repeats the one the starter
// set) and cancel-phase-timers (a phase's timer is cancelled when the phase
// ends). Version 4 adds sync-call-deadline: a call that ends the run by
// itself (a synchronized webhook, an UPSERT_ENTITY) runs under its own
// deadline, without the run's timeout timer beside it; and save-reports: a
// report that leaves the run going saves the row, so live pages read rows
// and never wait on a workflow query.
// Version 5 adds form-rules: the inputs are checked again with the form's
// rules (actions.ApplyForm: visible, required, enum... as jq) in the
// context the starter recorded (runs.Input.FormUser, EntitySnapshot),
// where earlier versions checked the JSON Schema alone (ApplySealed).
// Version 6 adds temporal-reports: a report a TEMPORAL backend's handler
// sends while its call is pending (a link, a summary) saves the row then,
// not when the call ends, so live pages show it.
// A change to what the run does takes the next number, gated with
// r.version(ctx) >= N, and a recorded history (SLIPWAY_RECORD_HISTORY=1).
const firstCodeVersion = 3

// codeMarker is the change id a worker records when it runs a run that a
// starter of a later release asked a newer code version of: it runs the
// run as its own version, and the marker tells the workers that replay the
// history later (of that later release, by then) which version it ran.
const codeMarker = "run-code"

// takes reports whether the run takes change changeID. Runs that carry
// CodeVersion or recorded runV2 take every change it stands for without
// asking again; histories recorded before runV2 (which hold no marker, so
// GetVersion answers the default on replay) ask for each change by its own
// id, as they did.
//
// runV2 stands for: record-row, notifications, skip-initial-save,
// local-writes and log-keys.
func (r *run) takes(ctx workflow.Context, changeID string) bool {
	if r.version(ctx) >= 2 {
		return true
	}
	return workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) == 1
}

// version is the run's code version: the one it carries (or the one the
// worker that ran its first task knew, if older), 2 when it recorded
// runV2, 1 for per-change markers. It is decided once, in the run's first
// workflow task (run calls it first of all).
func (r *run) version(ctx workflow.Context) int {
	if r.codeVersion == 0 {
		r.codeVersion = r.decideVersion(ctx)
	}
	return r.codeVersion
}

func (r *run) decideVersion(ctx workflow.Context) int {
	// A run continued as new asks by marker as before: its first task may
	// run on any worker, and a marker there costs a long run nothing
	// worth saving.
	if r.in.CodeVersion < firstCodeVersion || r.in.State != nil {
		if workflow.GetVersion(ctx, runV2, workflow.DefaultVersion, 1) == 1 {
			return 2
		}
		return 1
	}
	if !workflow.IsReplaying(ctx) {
		if r.in.CodeVersion > runs.CodeVersion {
			// Asked for by a later release: run as this code's version,
			// and say so in the history.
			return int(workflow.GetVersion(ctx, codeMarker, workflow.DefaultVersion, runs.CodeVersion))
		}
		return r.in.CodeVersion
	}
	// Replaying, a first task's markers are read before its code runs, so
	// these find what the worker that ran it recorded; with no marker they
	// answer the default and emit nothing, as that worker did.
	//  - A worker of the release before CodeVersion ignored it and
	//    recorded runV2.
	//  - A worker of an earlier CodeVersion recorded codeMarker.
	if workflow.GetVersion(ctx, runV2, workflow.DefaultVersion, 1) == 1 {
		return 2
	}
	if v := workflow.GetVersion(ctx, codeMarker, workflow.DefaultVersion, runs.CodeVersion); v != workflow.DefaultVersion {
		return int(v)
	}
	return min(r.in.CodeVersion, runs.CodeVersion)
}
