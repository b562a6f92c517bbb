package workflows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
)

// A KAFKA run publishes its message once, then waits, in progress, for its
// consumer to report through the run API.
func TestAKafkaRunPublishesOnceAndWaitsForItsConsumer(t *testing.T) {
	kafka := testkit.MustKafka(t, "slipway-runs")
	def, err := actions.Parse([]byte(`{"identifier": "deploy",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"replicas": {"type": "number"}}}},
	  "invocationMethod": {"type": "KAFKA", "payload": {"replicas": "{{ .inputs.replicas }}", "run": "{{ .run.id }}"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, def)
	acts := &activities.Activities{WebhookSecret: []byte("s3cret"), Kafka: config.Kafka{Brokers: kafka.Brokers, Topic: "slipway-runs"}}
	h.env.RegisterActivity(acts.PublishKafka)
	var stateBeforeReport runs.State
	h.env.RegisterDelayedCallback(func() {
		if v, err := h.env.QueryWorkflow(runs.QueryState); err == nil {
			_ = v.Get(&stateBeforeReport)
		}
	}, 59*time.Minute)
	var reportErr error
	h.at(time.Hour-time.Second, runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess}, &reportErr)
	s := h.execute()
	if reportErr != nil || s.Status != runs.StatusSuccess || stateBeforeReport.Status != runs.StatusInProgress {
		t.Fatalf("report %v, final %+v, before the report %s", reportErr, s, stateBeforeReport.Status)
	}
	if got := strings.Join(h.messages(), "\n"); !strings.Contains(got, "published to Kafka topic slipway-runs (partition 0, offset 0)") {
		t.Errorf("log %q", got)
	}

	// Published once: no record beyond the first.
	records := kafka.Records(t, 1)
	if len(records) != 1 || string(records[0].Key) != h.in.RunID || string(records[0].Value) != `{"replicas":3,"run":"`+h.in.RunID+`"}` {
		t.Fatalf("records %v", records)
	}
}
