package workflows

import (
	"time"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
)

// Run statuses: Port's, plus CANCELLED and EXPIRED.
const (
	StatusWaitingForApproval = "WAITING_FOR_APPROVAL"
	StatusInProgress         = "IN_PROGRESS"
	StatusSuccess            = "SUCCESS"
	StatusFailure            = "FAILURE"
	StatusDeclined           = "DECLINED"
	StatusCancelled          = "CANCELLED"
	StatusExpired            = "EXPIRED"
)

// Ended reports whether a status is final.
func Ended(status string) bool {
	switch status {
	case StatusSuccess, StatusFailure, StatusDeclined, StatusCancelled, StatusExpired:
		return true
	}
	return false
}

// Names the run workflow answers to.
const (
	RunWorkflowName = "ActionRun"
	UpdateDecide    = "decide"
	UpdateReport    = "report"
	UpdateLog       = "log"
	UpdateCancel    = "cancel"
	QueryRunState   = "state"
)

// Error types of update validators; the API maps them to Connect codes.
const (
	ErrTypeEnded      = "run_ended"
	ErrTypePrecond    = "failed_precondition"
	ErrTypePermission = "permission_denied"
	ErrTypeInvalid    = "invalid_argument"
	// ErrTypeUnchanged refuses a status update that repeats the final
	// status the run ended with: nothing to change, so the API answers it
	// as success with the run as it is (backends retry their last update).
	ErrTypeUnchanged = "unchanged"
)

// RunWorkflowID derives the workflow ID from the run ID, so a run is found
// in the Temporal UI by its ID.
func RunWorkflowID(runID string) string { return activities.RunWorkflowID(runID) }

// Person identifies a user inside a run.
type Person struct {
	ID    string `json:"userId"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// RunInput is the input of the run workflow.
type RunInput struct {
	RunID  string
	Action actions.Definition
	Inputs map[string]any
	Entity string
	// EntitySnapshot is the entity as it was when the run started (Port's
	// payload "entity"); nil for runs without an entity.
	EntitySnapshot map[string]any
	Requester      Person
	Origin         string
	// Approvers are the emails that may decide, resolved when the run starts
	// (without the requester, who never approves their own run).
	Approvers []string
	// Stages of a multi-stage approval, resolved when the run starts; empty
	// for a single approval step (Approvers, the action's quorum and TTL).
	// Approvers holds the first stage's approvers.
	Stages []ApprovalStage
	// ApprovalWaived says the action's approval condition ("when") found
	// that this run needs no approval; it was decided when the run started.
	ApprovalWaived bool
	// RunToken lets the backend report on this run only; sent in the payload.
	RunToken  string
	CreatedAt time.Time
	// RequestHash identifies the request of a run started with an
	// idempotency key (its row keeps it); nil otherwise.
	RequestHash []byte `json:",omitempty"`
	// CodeVersion is the version of the workflow's code the starter asked
	// for (CodeVersion in run_versions.go); 0 from starters before it.
	CodeVersion int `json:",omitempty"`
	// ContinueAsNewAfter bounds the history length of one workflow run
	// (0: the default, 8000 events).
	ContinueAsNewAfter int
	// State is carried across continue-as-new; nil on the first run.
	State *RunState
}

// ApprovalStage is one resolved stage of a multi-stage approval.
type ApprovalStage struct {
	Title     string
	Approvers []string
	Quorum    string
	TTL       time.Duration
}

// Decision is one approver's answer.
type Decision struct {
	// Stage is the index of the approval stage decided on.
	Stage    int       `json:"stage,omitempty"`
	Approver string    `json:"approver"`
	Approved bool      `json:"approved"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// LogLine is one line of a run's log. Seq starts at 1 and has no gaps.
type LogLine struct {
	Seq     int64     `json:"seq"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// RunState is what the run workflow knows; its query returns it.
type RunState struct {
	Status        string
	StatusLabel   string
	Links         []string
	Summary       string
	ExternalRunID string
	Decisions     []Decision
	// Approvers may decide while the run waits (the current stage's).
	Approvers []string
	// Stage is the current approval stage (multi-stage approvals).
	Stage int
	// Notify is set for runs started since notifications exist; runs
	// replayed from before keep their histories by not sending any.
	Notify bool
	// LogCount is the number of lines accepted; PendingLogs are not yet stored.
	LogCount    int64
	PendingLogs []LogLine
	// LogKeys remembers the newest keyed lines (see run_logkeys.go), so a
	// retry that lands after continue-as-new is not stored again.
	LogKeys []LogKey `json:",omitempty"`
	// StorageNotes say what the database refused to store for good (log
	// lines given up); the saved status label ends with them.
	StorageNotes []string `json:",omitempty"`
	// Version orders the saved states of the run row.
	Version          int64
	ApprovalDeadline time.Time
	RunDeadline      time.Time
	BackendCalled    bool
	UpdatedAt        time.Time
	EndedAt          time.Time
}

// DecideRequest approves or declines a waiting run.
type DecideRequest struct {
	Approver string
	Approve  bool
	Reason   string
}

// ReportRequest is a backend's status update (Port's PATCH runs/{id}).
// Nil fields are left as they are.
type ReportRequest struct {
	Status        string
	StatusLabel   *string
	Links         *[]string
	Summary       *string
	ExternalRunID *string
}

// LogRequest adds a log line, optionally ending the run.
type LogRequest struct {
	Message           string
	TerminationStatus string
	StatusLabel       string
	// IdempotencyKey, when set, makes the line single: sent again with the
	// same key, it answers the first line's seq and stores nothing.
	IdempotencyKey string `json:",omitempty"`
}

// CancelRequest cancels a run that has not ended.
type CancelRequest struct {
	By     string
	Reason string
}
