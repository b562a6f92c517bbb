package workflows_test

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
)

// The update validators refuse what the edges should have refused already
// (NUL bytes, invalid UTF-8, over-long text, javascript: links), naming the
// field in the error's details, so nothing reaches the run's activities.
// (Invalid UTF-8 never reaches a validator: Temporal's JSON payloads turn it
// into U+FFFD on the way.)
func TestUpdatesWithBadTextAreRefused(t *testing.T) {
	h := newHarness(t, definition(t, "false", false))
	nul := "a\x00b"
	js := []string{"javascript:alert(1)"}
	long := strings.Repeat("x", 16<<10+1)
	cases := []struct {
		name, update string
		arg          any
		field        string
	}{
		{"NUL status label", runs.UpdateReport, runs.ReportRequest{StatusLabel: &nul}, "statusLabel"},
		{"javascript: link", runs.UpdateReport, runs.ReportRequest{Links: &js}, "link"},
		{"NUL summary", runs.UpdateReport, runs.ReportRequest{Summary: &nul}, "summary"},
		{"NUL log line", runs.UpdateLog, runs.LogRequest{Message: nul}, "message"},
		{"over-long log line", runs.UpdateLog, runs.LogRequest{Message: long}, "message"},
		{"NUL cancel reason", runs.UpdateCancel, runs.CancelRequest{By: "x@example.com", Reason: nul}, "reason"},
	}
	errs := make([]error, len(cases))
	for i, c := range cases {
		h.at(time.Duration(i+1)*time.Minute, c.update, c.arg, &errs[i])
	}
	var ok error
	h.at(time.Hour, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess}, &ok)
	s := h.execute()
	for i, c := range cases {
		var field string
		appErr, isApp := errs[i].(*temporal.ApplicationError)
		if !isApp || appErr.Type() != string(slipway.CodeInvalid) || appErr.Details(&field) != nil || field != c.field {
			t.Errorf("%s: %v (field %q)", c.name, errs[i], field)
		}
	}
	if ok != nil || s.Status != runs.StatusSuccess || s.StatusLabel != "" || len(s.Links) != 0 || len(h.logs) != 0 {
		t.Fatalf("final %+v, %v, logs %v", s, ok, h.logs)
	}
}
