package selfservice

import (
	"encoding/json"

	"github.com/slipwayhq/slipway/actions"
)

// ApprovalReason says why a run waits for approval, as the action was
// defined when the run started (a later edit does not rewrite why).
type ApprovalReason struct {
	// Condition is requiredApproval's "when" (jq over the trigger data)
	// that held for this run; empty means every run needs approval.
	Condition string
	// Stage counts from 0; Stages is 0 when the action has one approval
	// step rather than approvalStages.
	Stage, Stages int
	StageTitle    string
	// Quorum is actions.QuorumAny or actions.QuorumAll.
	Quorum string
	// Approvers may decide now: the current stage's.
	Approvers []string
}

// ApprovalReason reads why r needs approval from its stored definition.
func (r Run) ApprovalReason() ApprovalReason {
	var d struct {
		RequiredApproval actions.Approval `json:"requiredApproval"`
		ApprovalStages   []struct {
			Title string `json:"title"`
			Type  string `json:"type"`
		} `json:"approvalStages"`
	}
	// A definition that does not decode (none is stored so) still says who decides.
	_ = json.Unmarshal(r.definition, &d)
	why := ApprovalReason{Condition: d.RequiredApproval.When, Quorum: d.RequiredApproval.Quorum, Stage: r.Stage, Approvers: r.Approvers}
	if n := len(d.ApprovalStages); n > 0 {
		why.Stages = n
		if r.Stage < n {
			st := d.ApprovalStages[r.Stage]
			why.StageTitle, why.Quorum = st.Title, st.Type
		}
	}
	if why.Quorum == "" {
		why.Quorum = actions.QuorumAny
	}
	return why
}
