package selfservice

import (
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

func TestApprovalReasonReadsTheRunsOwnDefinition(t *testing.T) {
	staged := Run{Stage: 1, Approvers: []string{"sec@example.com"}, definition: []byte(`{"requiredApproval": {"type": "ANY", "when": ".inputs.days > 5"},
		"approvalStages": [{"title": "Team", "approvers": {"users": ["lead@example.com"]}}, {"title": "Security", "type": "ALL", "approvers": {"users": ["sec@example.com"]}}]}`)}
	got := staged.ApprovalReason()
	if got.Condition != ".inputs.days > 5" || got.Stage != 1 || got.Stages != 2 || got.StageTitle != "Security" || got.Quorum != actions.QuorumAll ||
		len(got.Approvers) != 1 || got.Approvers[0] != "sec@example.com" {
		t.Errorf("a staged run's reason: %+v", got)
	}
	plain := Run{Approvers: []string{"approver@example.com"}, definition: []byte(`{"requiredApproval": true}`)}
	if got := plain.ApprovalReason(); got.Condition != "" || got.Stages != 0 || got.Quorum != actions.QuorumAny {
		t.Errorf("an always-approved run's reason: %+v", got)
	}
}
