package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
)

// twoStages: a lead approves (ANY, the action's 1d TTL), then security and
// ops must both approve within an hour.
func twoStages(h *harness) {
	h.in.Approvers = []string{"lead@example.com"}
	h.in.Stages = []runs.ApprovalStage{
		{Title: "team lead", Approvers: []string{"lead@example.com"}, Quorum: "ANY"},
		{Title: "security and ops", Approvers: []string{"sec@example.com", "ops@example.com"}, Quorum: "ALL", TTL: time.Hour},
	}
}

func TestStagesRunInOrderThenTheBackendIsCalled(t *testing.T) {
	h := newHarness(t, definition(t, "true", true))
	twoStages(h)
	var early, lead, again, sec, ops error
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "sec@example.com", Approve: true}, &early)
	h.at(2*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "lead@example.com", Approve: true}, &lead)
	h.at(3*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "lead@example.com", Approve: true}, &again)
	h.at(4*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "sec@example.com", Approve: true}, &sec)
	h.at(5*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "ops@example.com", Approve: true}, &ops)
	s := h.execute()
	if errType(early) != string(slipway.CodePermission) {
		t.Errorf("a stage-2 approver deciding during stage 1: %v", early)
	}
	if lead != nil || sec != nil || ops != nil {
		t.Fatalf("lead %v, sec %v, ops %v", lead, sec, ops)
	}
	if errType(again) != string(slipway.CodePermission) {
		t.Errorf("the stage-1 approver deciding in stage 2: %v", again)
	}
	if s.Status != runs.StatusSuccess || h.calls != 1 {
		t.Fatalf("final %+v after %d backend calls", s, h.calls)
	}
	// The stage change was saved for the portal, with the next approvers.
	found := false
	for _, saved := range h.saved {
		if saved.Status == runs.StatusWaitingForApproval && strings.Contains(saved.StatusLabel, "team lead") {
			found = true
		}
	}
	if !found {
		t.Error("the end of stage 1 was not saved")
	}
}

func TestDeclineInALaterStageEndsTheRun(t *testing.T) {
	h := newHarness(t, definition(t, "true", true))
	twoStages(h)
	var lead, sec error
	h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "lead@example.com", Approve: true}, &lead)
	h.at(2*time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "sec@example.com", Approve: false, Reason: "no"}, &sec)
	s := h.execute()
	if lead != nil || sec != nil {
		t.Fatalf("lead %v, sec %v", lead, sec)
	}
	if s.Status != runs.StatusDeclined || !strings.Contains(s.StatusLabel, "security and ops") || h.calls != 0 {
		t.Fatalf("final %+v after %d backend calls", s, h.calls)
	}
}

// Each stage has its own TTL, counted from the stage's start.
func TestALaterStageExpiresOnItsOwnTTL(t *testing.T) {
	h := newHarness(t, definition(t, "true", true))
	twoStages(h)
	var lead, sec error
	h.at(20*time.Hour, runs.UpdateDecide, runs.DecideRequest{Approver: "lead@example.com", Approve: true}, &lead)
	h.at(20*time.Hour+time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: "sec@example.com", Approve: true}, &sec)
	start := h.env.Now()
	s := h.execute()
	if lead != nil || sec != nil {
		t.Fatalf("lead %v, sec %v", lead, sec)
	}
	if s.Status != runs.StatusExpired || !strings.Contains(s.StatusLabel, "1h0m0s") {
		t.Fatalf("final %+v", s)
	}
	// Stage 1's 1-day timer, started at 0, must not end stage 2 at 24h.
	if got := h.env.Now().Sub(start).Round(time.Minute); got != 21*time.Hour {
		t.Errorf("expired %s after the start, want 21h (stage 2 began at 20h)", got)
	}
}

func TestSelfApprovalOnlyWhenAllowed(t *testing.T) {
	for _, allowed := range []bool{false, true} {
		def := definition(t, "true", true)
		def.AllowSelfApproval = allowed
		h := newHarness(t, def)
		h.in.Approvers = append(h.in.Approvers, h.in.Requester.Email)
		var self error
		h.at(time.Minute, runs.UpdateDecide, runs.DecideRequest{Approver: h.in.Requester.Email, Approve: true}, &self)
		h.at(time.Hour, runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true}, new(error))
		h.execute()
		if allowed != (self == nil) {
			t.Errorf("allowSelfApproval %v: requester's own approval gave %v", allowed, self)
		}
	}
}
