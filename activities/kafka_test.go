package activities_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/signing"
	"github.com/slipwayhq/slipway/testkit"
)

const kafkaTopic = "slipway-runs"

// Each record is keyed by run id, carries the rendered payload and verifies
// with the webhook secret, under Slipway's and Port's header names.
func TestPublishKafkaSignsAndKeysTheRecord(t *testing.T) {
	kafka := testkit.MustKafka(t, kafkaTopic)

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s3cret"), Kafka: config.Kafka{Brokers: kafka.Brokers, Topic: kafkaTopic}})
	var a *activities.Activities
	if _, err := env.ExecuteActivity(a.PublishKafka, kafkaInput); err != nil {
		t.Fatal(err)
	}
	records := kafka.Records(t, 1)
	if len(records) != 1 {
		t.Fatalf("%d records", len(records))
	}
	r := records[0]
	if string(r.Key) != "run-1" || string(r.Value) != `{"runId":"run-1","service":"payments"}` {
		t.Errorf("record key %q value %s", r.Key, r.Value)
	}
	ts, _ := strconv.ParseInt(testkit.RecordHeader(r, "x-port-timestamp"), 10, 64)
	if sig := testkit.RecordHeader(r, "x-port-signature"); sig == "" || sig != signing.Sign([]byte("s3cret"), ts, r.Value) || testkit.RecordHeader(r, "x-slipway-signature") != sig {
		t.Errorf("signature %q does not verify", sig)
	}
	if testkit.RecordHeader(r, "content-type") != "application/json" || testkit.RecordHeader(r, "idempotency-key") == "" {
		t.Errorf("headers %v", r.Headers)
	}
}

var kafkaInput = activities.PublishKafkaInput{
	RunID:   "run-1",
	Payload: json.RawMessage(`{"service": "{{ .inputs.name }}", "runId": "{{ .run.id }}"}`),
	Data:    json.RawMessage(`{"inputs": {"name": "payments"}, "run": {"id": "run-1"}}`),
}

// The idempotent producer dedupes only within one client session: when an
// attempt published but its answer was lost, Temporal's retry publishes
// again. Both copies carry the same Idempotency-Key, which consumers
// dedupe on. Here the real activity runs under Temporal's retry, and its
// first attempt is made to fail after publishing.
func TestARetriedPublishCarriesTheSameIdempotencyKey(t *testing.T) {
	kafka := testkit.MustKafka(t, kafkaTopic)

	acts := &activities.Activities{WebhookSecret: []byte("s3cret"), Kafka: config.Kafka{Brokers: kafka.Brokers, Topic: kafkaTopic}}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.PublishKafkaInput) (activities.PublishKafkaResult, error) {
		res, err := acts.PublishKafka(ctx, in)
		if err == nil && activity.GetInfo(ctx).Attempt == 1 {
			return res, errors.New("the answer was lost")
		}
		return res, err
	}, activity.RegisterOptions{Name: "PublishKafka"})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Millisecond, MaximumAttempts: 3},
		})
		return workflow.ExecuteActivity(ctx, "PublishKafka", kafkaInput).Get(ctx, nil)
	}, workflow.RegisterOptions{Name: "publish"})
	env.ExecuteWorkflow("publish")
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	records := kafka.Records(t, 2)
	first, second := testkit.RecordHeader(records[0], "idempotency-key"), testkit.RecordHeader(records[1], "idempotency-key")
	if len(records) != 2 || first == "" || first != second {
		t.Errorf("%d records, idempotency keys %q and %q: want one key on both attempts", len(records), first, second)
	}
}

func TestPublishKafkaAuthenticatesWithSASL(t *testing.T) {
	kafka := testkit.MustKafka(t, kafkaTopic, kfake.EnableSASL(), kfake.Superuser("PLAIN", "slipway", "pw"))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	cfg := config.Kafka{Brokers: kafka.Brokers, Topic: kafkaTopic, SASLMechanism: "PLAIN", Username: "slipway", Password: "pw"}
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s3cret"), Kafka: cfg})
	var a *activities.Activities
	in := activities.PublishKafkaInput{RunID: "run-2", Data: json.RawMessage(`{"run": {"id": "run-2"}}`)}
	if _, err := env.ExecuteActivity(a.PublishKafka, in); err != nil {
		t.Fatal(err)
	}
	records := kafka.Records(t, 1, kgo.SASL(plainMechanism("slipway", "pw")))
	if string(records[0].Value) != `{"run":{"id":"run-2"}}` {
		t.Errorf("value %s: want the trigger data as sent", records[0].Value)
	}
}

func TestPublishKafkaUnconfiguredFailsForGood(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s3cret")})
	var a *activities.Activities
	_, err := env.ExecuteActivity(a.PublishKafka, activities.PublishKafkaInput{RunID: "r", Data: json.RawMessage(`{}`)})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Message() != "Kafka is not configured: set SLIPWAY_KAFKA_BROKERS" {
		t.Errorf("got %v", err)
	}
}

func plainMechanism(user, pass string) sasl.Mechanism {
	return plain.Auth{User: user, Pass: pass}.AsMechanism()
}

// TLS with a private CA: SLIPWAY_KAFKA_TLS_CA_FILE verifies the brokers.
func TestPublishKafkaOverTLSWithAPrivateCA(t *testing.T) {
	certs := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate for 127.0.0.1, and its pool
	defer certs.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	kafka := testkit.MustKafka(t, kafkaTopic, kfake.TLS(certs.TLS))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s3cret"), Kafka: config.Kafka{Brokers: kafka.Brokers, Topic: kafkaTopic, TLS: true, TLSCAFile: caFile}})
	var a *activities.Activities
	if _, err := env.ExecuteActivity(a.PublishKafka, kafkaInput); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(certs.Certificate())
	if records := kafka.Records(t, 1, kgo.DialTLSConfig(&tls.Config{RootCAs: pool})); len(records) != 1 {
		t.Errorf("%d records", len(records))
	}
}
