package runs

import (
	"slices"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/actions"
)

// Person identifies a user inside a run.
type Person struct {
	ID    string `json:"userId"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Input is the input of the run workflow.
type Input struct {
	RunID  string
	Action actions.Definition
	Inputs map[string]any
	Entity string
	// EntitySnapshot is the entity as it was when the run started (Port's
	// payload "entity"); nil for runs without an entity.
	EntitySnapshot map[string]any
	Requester      Person
	// FormUser is the requester as the form's rules saw them (.user: roles,
	// teams), so that the workflow checks the form again with what the
	// starter saw rather than reading the directory; nil before CodeVersion 5.
	FormUser *actions.FormUser `json:",omitempty"`
	Origin   string
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
	// for (CodeVersion); 0 from starters before it.
	CodeVersion int `json:",omitempty"`
	// ContinueAsNewAfter bounds the history length of one workflow run
	// (0: the default, 8000 events).
	ContinueAsNewAfter int
	// BackendPollInterval is the first wait between two looks at an
	// external run (a GITHUB workflow run); 0 is the default. Tests shorten it.
	BackendPollInterval time.Duration `json:",omitempty"`
	// State is carried across continue-as-new; nil on the first run.
	State *State
}

// ApprovalStage is one resolved stage of a multi-stage approval.
type ApprovalStage struct {
	Title     string
	Approvers []string
	Quorum    string
	TTL       time.Duration
}

// FormContext is the context the starter evaluated the run's form in.
func (in Input) FormContext() actions.FormContext {
	fc := actions.FormContext{Entity: in.EntitySnapshot, Operation: in.Action.Trigger.Operation, Blueprint: in.Action.Trigger.BlueprintIdentifier}
	if in.FormUser != nil {
		fc.User = *in.FormUser
	}
	return fc
}

// FirstStatus is the status a run of in starts in.
func (in Input) FirstStatus() Status {
	if in.Action.RequiredApproval.Required && !in.ApprovalWaived {
		return StatusWaitingForApproval
	}
	return StatusInProgress
}

// TriggerData is Port's payload for a run: what backends receive and what
// templates and the approval condition are evaluated over. It is pure, so
// the application layer and the workflow compute the same data.
func TriggerData(in Input) map[string]any {
	first, last, _ := strings.Cut(in.Requester.Name, " ")
	var entity any
	if in.EntitySnapshot != nil {
		entity = in.EntitySnapshot
	} else if in.Entity != "" {
		entity = map[string]any{"identifier": in.Entity}
	}
	return map[string]any{
		"inputs": in.Inputs,
		"trigger": map[string]any{
			"by": map[string]any{
				"userId": in.Requester.ID,
				"user":   map[string]any{"email": in.Requester.Email, "firstName": first, "lastName": last},
			},
			"origin":    in.Origin,
			"at":        in.CreatedAt.UTC().Format(time.RFC3339),
			"operation": in.Action.Trigger.Operation,
		},
		"entity": entity,
		"action": map[string]any{"identifier": in.Action.Identifier, "blueprint": in.Action.Trigger.BlueprintIdentifier},
		"run":    map[string]any{"id": in.RunID, "token": in.RunToken},
	}
}

// TemporalPayload is what a TEMPORAL backend is sent: Port's trigger data
// without the run's token. The team's worker reports through its own
// Temporal connection, and the payload sits in the history unencrypted.
func TemporalPayload(in Input) map[string]any {
	data := TriggerData(in)
	data["run"] = map[string]any{"id": in.RunID}
	return data
}

// Record is a run's first row, as its starter and its workflow both write
// it (RecordOf derives it from the workflow's input, so the two writes
// cannot differ).
type Record struct {
	RunID  string
	Action actions.Definition
	// Inputs are sealed: secret inputs are ciphertext here.
	Inputs         map[string]any
	Entity         string
	Status         Status
	RequesterID    string
	RequesterEmail string
	Origin         string
	// RunToken is hashed for the row; the plaintext is never stored.
	RunToken     string
	VisibleToAll bool
	// Approvers are every stage's, who may see the run when it is not visible to all.
	Approvers []string
	// StageApprovers are the first stage's, who may decide now.
	StageApprovers []string
	// RequestHash identifies the request of a run started with an
	// idempotency key; nil otherwise.
	RequestHash []byte
	CreatedAt   time.Time
}

// RecordOf is the row a run of in starts with. It is pure: the starter
// and the workflow (deterministically) derive the same row.
func RecordOf(in Input) Record {
	approvers := slices.Clone(in.Approvers)
	for _, st := range in.Stages {
		approvers = append(approvers, st.Approvers...)
	}
	slices.Sort(approvers)
	approvers = slices.Compact(approvers)
	if approvers == nil {
		approvers = []string{}
	}
	return Record{
		RunID: in.RunID, Action: in.Action, Inputs: in.Inputs, Entity: in.Entity, Status: in.FirstStatus(),
		RequesterID: in.Requester.ID, RequesterEmail: in.Requester.Email, Origin: in.Origin, RunToken: in.RunToken,
		VisibleToAll: in.Action.AllowAnyoneToViewRuns == nil || *in.Action.AllowAnyoneToViewRuns,
		Approvers:    approvers, StageApprovers: in.Approvers, RequestHash: in.RequestHash, CreatedAt: in.CreatedAt,
	}
}
