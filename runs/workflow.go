package runs

import (
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is where Slipway's workers poll for run workflows and their activities.
const TaskQueue = "slipway"

// CodeVersion is the version of the run workflow's code starters ask for
// in Input.CodeVersion; workflows/run_versions.go says what each stands for.
const CodeVersion = 6

// Names the run workflow answers to.
const (
	WorkflowName = "ActionRun"
	UpdateDecide = "decide"
	UpdateReport = "report"
	UpdateLog    = "log"
	UpdateCancel = "cancel"
	QueryState   = "state"
)

// WorkflowID is the workflow ID of run runID, so a run is found in the
// Temporal UI by its ID.
func WorkflowID(runID string) string { return "run-" + runID }

// LogUpdateID is the update ID of a keyed log line: Temporal answers a
// repeated update ID with the first outcome.
func LogUpdateID(key string) string { return "log-" + LogKeyDigest(key) }

// Search attributes set on every run, so operators filter runs in the
// Temporal Web UI and with `temporal workflow list --query`.
var (
	SearchAction    = temporal.NewSearchAttributeKeyKeyword("SlipwayAction")
	SearchStatus    = temporal.NewSearchAttributeKeyKeyword("SlipwayStatus")
	SearchRequester = temporal.NewSearchAttributeKeyKeyword("SlipwayRequester")
	SearchBlueprint = temporal.NewSearchAttributeKeyKeyword("SlipwayBlueprint")
	SearchEntity    = temporal.NewSearchAttributeKeyKeyword("SlipwayEntity")
)

// SearchKeys are every search attribute a run sets.
func SearchKeys() []temporal.SearchAttributeKeyKeyword {
	return []temporal.SearchAttributeKeyKeyword{SearchAction, SearchStatus, SearchRequester, SearchBlueprint, SearchEntity}
}

// WorkflowMissing reports whether err is Temporal saying a workflow does not exist.
func WorkflowMissing(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound)
}

// Labels of runs ended because their workflow does not exist.
const (
	LabelNeverStarted = "lost: its workflow never started"
	// LabelGone ends a run whose row says its workflow started, which
	// Temporal no longer has (its data was lost or wiped).
	LabelGone = "lost: its workflow no longer exists in Temporal"
)

// LabelEndedUnrecorded is the label of a run whose workflow closed
// (terminated by an operator, failed by a bug) without saving its end.
func LabelEndedUnrecorded(workflowStatus string) string {
	return "lost: its workflow ended (" + workflowStatus + ") without recording the run's end"
}

// WorkflowGrace is how long a row written by an older version may wait for
// its workflow: those versions wrote the row first and started the
// workflow a moment later, so a younger row without a workflow may still get one.
const WorkflowGrace = time.Minute
