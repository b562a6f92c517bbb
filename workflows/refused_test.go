package workflows_test

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
)

func refused(what string) error {
	return temporal.NewNonRetryableApplicationError(what+" refused by the database: foreign key violation", activities.ErrTypeStorageRefused, nil)
}

// A log batch the database refuses for good (activities scrub what they
// can; here the row is gone) does not hold the run back: the lines are
// given up, the label says so, and the final state is still saved.
func TestARefusedLogBatchDoesNotHoldTheRunBack(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	h.appendLogs = func(in activities.AppendRunLogsInput) error {
		for _, l := range in.Lines {
			if strings.Contains(l.Message, "poison") {
				return refused("store 1 log lines")
			}
		}
		return nil
	}
	var errs [3]error
	h.at(time.Minute, runs.UpdateLog, runs.LogRequest{Message: "starting"}, &errs[0])
	h.at(2*time.Minute, runs.UpdateLog, runs.LogRequest{Message: "poison"}, &errs[1])
	h.at(3*time.Minute, runs.UpdateLog, runs.LogRequest{Message: "done", TerminationStatus: runs.StatusSuccess, StatusLabel: "deployed"}, &errs[2])
	s := h.execute()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("log %d: %v", i+1, err)
		}
	}
	if s.Status != runs.StatusSuccess || !strings.HasPrefix(s.StatusLabel, "deployed") || !strings.Contains(s.StatusLabel, "log line 2 could not be stored") {
		t.Errorf("final %+v", s)
	}
	if len(h.logs) != 2 || h.logs[0].Message != "starting" || h.logs[1].Message != "done" || s.LogCount != 3 {
		t.Errorf("stored %+v, count %d", h.logs, s.LogCount)
	}
}

// A DELETE run whose entity the database refuses to delete for good ends
// FAILURE with the reason, instead of failing its workflow with the row
// left in progress.
func TestARefusedEntityDeletionFailsTheRun(t *testing.T) {
	h := newHarness(t, deleteDefinition(t))
	h.in.Inputs = map[string]any{}
	h.in.Entity = "pr-42"
	h.deleteEntity = func(activities.DeleteEntityInput) error { return refused("delete entity environment/pr-42") }
	s := h.execute()
	if s.Status != runs.StatusFailure || !strings.Contains(s.StatusLabel, "entity could not be deleted") {
		t.Errorf("final %+v", s)
	}
}
