package runs_test

import (
	"errors"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
)

func TestAwaitsDecisionFrom(t *testing.T) {
	waiting := runs.State{Status: runs.StatusWaitingForApproval, Stage: 1, Approvers: []string{"lead@example.com", "ops@example.com"},
		Decisions: []runs.Decision{{Stage: 0, Approver: "ops@example.com", Approved: true}, {Stage: 1, Approver: "lead@example.com", Approved: true}}}
	cases := []struct {
		name  string
		state runs.State
		email string
		want  bool
	}{
		{"an approver of the stage who has not decided on it", waiting, "OPS@example.com", true},
		{"an approver who decided on this stage", waiting, "lead@example.com", false},
		{"not an approver of the stage", waiting, "dev1@example.com", false},
		{"a run not waiting", runs.State{Status: runs.StatusInProgress, Approvers: waiting.Approvers}, "ops@example.com", false},
	}
	for _, c := range cases {
		if got := c.state.AwaitsDecisionFrom(c.email); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// A validator's refusal comes back as the slipway error it was, field and all.
func TestRefusalRoundTrip(t *testing.T) {
	for _, in := range []*slipway.Error{
		slipway.FieldError("statusLabel", "must be at most 4000 characters"),
		slipway.Errorf(slipway.CodePermission, "dev1@example.com is not an approver of this run"),
		slipway.Errorf(slipway.CodePrecondition, "the run is not in progress"),
	} {
		got, ok := runs.Refusal(runs.Refuse(in))
		if !ok || got.Code != in.Code || got.Field != in.Field || got.Message != in.Message {
			t.Errorf("%+v came back as %+v (%v)", in, got, ok)
		}
	}
	if _, ok := runs.Refusal(errors.New("connection refused")); ok {
		t.Error("a foreign error passed for a refusal")
	}
}

func TestEndedStatuses(t *testing.T) {
	for _, s := range runs.Statuses {
		want := s != runs.StatusWaitingForApproval && s != runs.StatusInProgress
		if s.Ended() != want {
			t.Errorf("%s.Ended() = %v", s, s.Ended())
		}
	}
	if runs.Status("DONE").Known() {
		t.Error("an unknown status is known")
	}
}
