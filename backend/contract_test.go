package backend

import (
	"encoding/json"
	"testing"

	"github.com/slipwayhq/slipway/runs"
)

// Package backend speaks the run workflow's update protocol without
// importing it (teams import backend alone): its names and shapes must
// stay what the workflow decodes.
func TestUpdatesMatchTheRunWorkflow(t *testing.T) {
	if updateLog != runs.UpdateLog || updateReport != runs.UpdateReport {
		t.Fatalf("update names %q, %q; the run workflow handles %q, %q", updateLog, updateReport, runs.UpdateLog, runs.UpdateReport)
	}
	var line runs.LogRequest
	roundTrip(t, logRequest{Message: "hello", IdempotencyKey: "k"}, &line)
	if line.Message != "hello" || line.IdempotencyKey != "k" || line.TerminationStatus != "" {
		t.Errorf("log request decodes as %+v", line)
	}
	links, summary := []string{"https://x"}, "done"
	var report runs.ReportRequest
	roundTrip(t, reportRequest{Links: &links, Summary: &summary}, &report)
	if report.Links == nil || (*report.Links)[0] != "https://x" || report.Summary == nil || *report.Summary != "done" || report.Status != "" || report.StatusLabel != nil {
		t.Errorf("report request decodes as %+v", report)
	}
	if string(StatusSuccess) != string(runs.StatusSuccess) || string(StatusFailure) != string(runs.StatusFailure) {
		t.Error("result statuses differ from the run's")
	}
}

// The payload a team's activity gets is the run's trigger data.
func TestPayloadDecodesTheTriggerData(t *testing.T) {
	in := runs.Input{RunID: "r1", Inputs: map[string]any{"name": "billing"}, Requester: runs.Person{ID: "u1", Email: "dev@example.com", Name: "Dev One"}, Entity: "svc"}
	var p Payload
	roundTrip(t, runs.TriggerData(in), &p)
	if p.Run.ID != "r1" || p.Inputs["name"] != "billing" || p.Trigger.By.User.Email != "dev@example.com" || p.Trigger.By.User.FirstName != "Dev" || p.Entity["identifier"] != "svc" {
		t.Errorf("payload %+v", p)
	}
}

func roundTrip(t *testing.T, v, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

func TestZeroResultIsASuccess(t *testing.T) {
	if r := (Result{}).valid(); r.Status != StatusSuccess {
		t.Errorf("zero result = %+v", r)
	}
	if r := (Result{Status: "DONE"}).valid(); r.Status != StatusFailure {
		t.Errorf("unknown status = %+v", r)
	}
}
