package workflows_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/workflows"
)

// sent is the outcome of one log update: the seq answered, or the error.
type sent struct {
	seq  int64
	err  error
	done bool
}

// sendLog schedules a log update after d with the given update ID ("" for
// a fresh one, as a client without the key's update ID would send).
func (h *harness) sendLog(d time.Duration, updateID string, req runs.LogRequest) *sent {
	out := &sent{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(runs.UpdateLog, updateID, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(e error) { out.err, out.done = e, true },
			OnComplete: func(v any, e error) {
				out.err, out.done = e, true
				if seq, ok := v.(int64); ok {
					out.seq = seq
				}
			},
		}, req)
	}, d)
	return out
}

func keyed(key, message string) runs.LogRequest {
	return runs.LogRequest{Message: message, IdempotencyKey: key}
}

// The probe's bug: a line retried after a 5xx or a dropped connection was
// stored twice. Sent five times in a row, and five times at once, with the
// same key (fresh update IDs, so the workflow's own memory is what
// dedupes; the same update ID is Temporal's job, checked too), a keyed line
// is stored once and every call answers its seq.
func TestAKeyedLineSentFiveTimesIsStoredOnce(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	var sequential, concurrent, sameID []*sent
	for i := range 5 {
		sequential = append(sequential, h.sendLog(time.Duration(i+1)*time.Second, "", keyed("step-1", "building")))
	}
	for range 5 {
		concurrent = append(concurrent, h.sendLog(10*time.Second, "", keyed("step-2", "testing")))
	}
	for i := range 5 {
		sameID = append(sameID, h.sendLog(time.Duration(20+i)*time.Second, runs.LogUpdateID("step-3"), keyed("step-3", "pushing")))
	}
	unkeyed := h.sendLog(30*time.Second, "", runs.LogRequest{Message: "no key"})
	unkeyedAgain := h.sendLog(31*time.Second, "", runs.LogRequest{Message: "no key"})
	end := h.sendLog(40*time.Second, "", runs.LogRequest{Message: "done", IdempotencyKey: "step-4", TerminationStatus: runs.StatusSuccess})
	// Retried after the line ended the run: still its seq, not run_ended.
	endAgain := h.sendLog(40*time.Second, "", runs.LogRequest{Message: "done", IdempotencyKey: "step-4", TerminationStatus: runs.StatusSuccess})
	s := h.execute()

	for name, group := range map[string][]*sent{"sequential": sequential, "concurrent": concurrent, "same update ID": sameID} {
		for i, o := range group {
			if !o.done || o.err != nil || o.seq != group[0].seq {
				t.Errorf("%s send %d: seq %d, err %v (first answered %d)", name, i+1, o.seq, o.err, group[0].seq)
			}
		}
	}
	if sequential[0].seq != 1 || concurrent[0].seq != 2 || sameID[0].seq != 3 || unkeyed.seq != 4 || unkeyedAgain.seq != 5 || end.seq != 6 {
		t.Errorf("seqs %d %d %d %d %d %d", sequential[0].seq, concurrent[0].seq, sameID[0].seq, unkeyed.seq, unkeyedAgain.seq, end.seq)
	}
	if endAgain.err != nil || endAgain.seq != end.seq {
		t.Errorf("terminating line retried: seq %d, err %v", endAgain.seq, endAgain.err)
	}
	var messages []string
	for _, l := range h.logs {
		messages = append(messages, l.Message)
	}
	if fmt.Sprint(messages) != "[building testing pushing no key no key done]" || s.LogCount != 6 {
		t.Errorf("stored %q, count %d", messages, s.LogCount)
	}
	if s.Status != runs.StatusSuccess {
		t.Errorf("final %+v", s)
	}
}

// A retry can land in a later workflow run than its first attempt (the run
// continued as new meanwhile): Temporal no longer knows the update ID
// there, the run state carried over does, so the line stays single.
func TestKeyedRetriesAcrossContinueAsNewStaySingle(t *testing.T) {
	def := definition(t, "false", false)
	const lines = 20
	first := newHarness(t, def)
	first.in.ContinueAsNewAfter = 50 // a few updates, then continue as new
	var round1 []*sent
	for i := range lines {
		round1 = append(round1, first.sendLog(time.Duration(i+1)*time.Millisecond, "", keyed(fmt.Sprintf("k%d", i+1), fmt.Sprintf("line %d", i+1))))
	}
	first.env.ExecuteWorkflow(workflows.Run, first.in)
	var can *workflow.ContinueAsNewError
	if err := first.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("the first run did not continue as new: %v", err)
	}
	var next runs.Input
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for accepted < lines && round1[accepted].done && round1[accepted].err == nil {
		accepted++
	}
	if accepted == 0 || accepted == lines {
		t.Fatalf("%d of %d lines accepted before continue-as-new; the test needs some on each side", accepted, lines)
	}

	// The sender did not see the answers: it sends every line again, and
	// the first few twice more.
	second := newHarness(t, def)
	next.ContinueAsNewAfter = 0
	second.in = next
	var round2, again []*sent
	for i := range lines {
		round2 = append(round2, second.sendLog(time.Duration(i+1)*time.Millisecond, "", keyed(fmt.Sprintf("k%d", i+1), fmt.Sprintf("line %d", i+1))))
	}
	for i := range accepted {
		again = append(again, second.sendLog(time.Second, "", keyed(fmt.Sprintf("k%d", i+1), "retry")))
	}
	second.sendLog(2*time.Second, "", runs.LogRequest{Message: "done", TerminationStatus: runs.StatusSuccess})
	s := second.execute()

	for i, o := range round2 {
		if o.err != nil || o.seq != int64(i+1) {
			t.Errorf("k%d resent: seq %d, err %v", i+1, o.seq, o.err)
		}
		if i < accepted && round1[i].seq != o.seq {
			t.Errorf("k%d: first answered %d, retry %d", i+1, round1[i].seq, o.seq)
		}
	}
	for i, o := range again {
		if o.err != nil || o.seq != int64(i+1) {
			t.Errorf("k%d sent a third time: seq %d, err %v", i+1, o.seq, o.err)
		}
	}
	stored := append(first.logs, second.logs...)
	if len(stored) != lines+1 || s.LogCount != lines+1 {
		t.Fatalf("%d lines stored, count %d; want %d", len(stored), s.LogCount, lines+1)
	}
	for i, l := range stored[:lines] {
		if l.Seq != int64(i+1) || l.Message != fmt.Sprintf("line %d", i+1) {
			t.Errorf("stored line %d: %+v", i, l)
		}
	}
}

// Backends retry status updates too. Repeating the status the run ended
// with changes nothing and is refused as "unchanged" (the API answers it
// as success, with the run as it is); another status after the end is
// still refused as ended. Both in the validator: no history.
func TestRepeatedFinalStatusIsUnchangedAndAnotherIsRefused(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	label := "deployed"
	var ok, sameReport, sameLog, otherReport, otherLog, plainLog, labelOnly error
	h.at(time.Minute, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess, StatusLabel: &label}, &ok)
	// Delivered in the same workflow task, after the report that ended the run.
	other := "oops"
	h.at(time.Minute, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess, StatusLabel: &other}, &sameReport)
	h.at(time.Minute, runs.UpdateLog, runs.LogRequest{Message: "done", TerminationStatus: runs.StatusSuccess}, &sameLog)
	h.at(time.Minute, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusFailure}, &otherReport)
	h.at(time.Minute, runs.UpdateLog, runs.LogRequest{Message: "failed", TerminationStatus: runs.StatusFailure}, &otherLog)
	h.at(time.Minute, runs.UpdateLog, runs.LogRequest{Message: "late line"}, &plainLog)
	h.at(time.Minute, runs.UpdateReport, runs.ReportRequest{StatusLabel: &other}, &labelOnly)
	s := h.execute()
	if ok != nil || s.Status != runs.StatusSuccess || s.StatusLabel != label {
		t.Fatalf("report %v, final %+v", ok, s)
	}
	for name, err := range map[string]error{"same report": sameReport, "same terminationStatus": sameLog} {
		if errType(err) != runs.Unchanged {
			t.Errorf("%s: %v, want %s", name, err, runs.Unchanged)
		}
	}
	for name, err := range map[string]error{"FAILURE report": otherReport, "FAILURE line": otherLog, "plain line": plainLog, "label only": labelOnly} {
		if errType(err) != string(slipway.CodePrecondition) {
			t.Errorf("%s after SUCCESS: %v, want %s", name, err, string(slipway.CodePrecondition))
		}
	}
	if len(h.logs) != 0 || s.LogCount != 0 {
		t.Errorf("lines stored after the end: %+v", h.logs)
	}
}

// A key longer than an identifier may be is named, before it costs anything.
func TestAnOverlongKeyIsRefused(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	long := h.sendLog(time.Second, "", keyed(strings.Repeat("k", 300), "x"))
	h.at(2*time.Second, runs.UpdateCancel, runs.CancelRequest{By: "admin@example.com"}, new(error))
	h.execute()
	if errType(long.err) != string(slipway.CodeInvalid) {
		t.Errorf("300-byte key: %v", long.err)
	}
}
