package activities

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/runs/backendrequest"
	"github.com/slipwayhq/slipway/signing"
)

// PublishKafkaInput is one KAFKA run's message.
type PublishKafkaInput struct {
	// RunID keys the record, so one run's messages keep their order.
	RunID string
	// Payload is the definition's payload template; empty sends Data.
	Payload json.RawMessage `json:",omitempty"`
	// Data is the trigger data (Port's payload).
	Data json.RawMessage `json:",omitempty"`
}

// PublishKafkaResult says where the record landed.
type PublishKafkaResult struct {
	Topic     string
	Partition int32
	Offset    int64
}

// ErrTypeNotConfigured marks a backend the operator has not configured:
// permanent until the configuration changes.
const ErrTypeNotConfigured = "backend_not_configured"

// IdempotencyKeyHeader carries the key that is the same on every attempt
// of one backend call (HTTP header of webhooks, record header on Kafka).
const IdempotencyKeyHeader = "Idempotency-Key"

// PublishKafka publishes the run's message to the configured topic, signed
// like a webhook call: the signature headers become record headers. The
// producer is idempotent, which dedupes only within one client session, so
// a retried activity may publish the message again: every attempt carries
// the same Idempotency-Key record header, on which consumers dedupe.
func (a *Activities) PublishKafka(ctx context.Context, in PublishKafkaInput) (PublishKafkaResult, error) {
	cfg := a.Kafka
	if !cfg.Configured() {
		return PublishKafkaResult{}, temporal.NewNonRetryableApplicationError("Kafka is not configured: set SLIPWAY_KAFKA_BROKERS", ErrTypeNotConfigured, nil)
	}
	templates := []any{in.Payload}
	if cfg.SASLMechanism != "" {
		templates = append(templates, cfg.Username, cfg.Password)
	}
	call, err := a.prepareCall(ctx, in.Data, templates...)
	if err != nil {
		return PublishKafkaResult{}, err
	}
	value, err := backendrequest.RenderBody(ctx, in.Payload, call.Scope, call.Payload)
	if err != nil {
		return PublishKafkaResult{}, temporal.NewNonRetryableApplicationError("template failed: payload"+call.Redact.String(err.Error()), ErrTypeTemplate, nil)
	}
	opts, err := kafkaOptions(ctx, cfg, call)
	if err != nil {
		return PublishKafkaResult{}, temporal.NewNonRetryableApplicationError("Kafka settings: "+call.Redact.String(err.Error()), ErrTypeNotConfigured, nil)
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return PublishKafkaResult{}, temporal.NewNonRetryableApplicationError("Kafka settings: "+call.Redact.String(err.Error()), ErrTypeNotConfigured, nil)
	}
	defer client.Close()

	record := &kgo.Record{Topic: cfg.Topic, Key: []byte(in.RunID), Value: value, Headers: signedRecordHeaders(a.WebhookSecret, value, callIdempotencyKey(ctx))}
	res := client.ProduceSync(ctx, record)
	if err := res.FirstErr(); err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return PublishKafkaResult{}, ctx.Err()
		}
		return PublishKafkaResult{}, errors.New("Kafka publish failed: " + call.Redact.String(err.Error()))
	}
	r := res[0].Record
	return PublishKafkaResult{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}, nil
}

// signedRecordHeaders are the headers a webhook call carries, as record
// headers with lower-case names: the signature under Slipway's and Port's
// names, the idempotency key and the content type.
func signedRecordHeaders(secret, value []byte, idempotencyKey string) []kgo.RecordHeader {
	h := http.Header{}
	signing.SetHeaders(h, secret, value, time.Now(), signing.SlipwayPrefix, signing.PortPrefix)
	h.Set(IdempotencyKeyHeader, idempotencyKey)
	h.Set("Content-Type", "application/json")
	out := make([]kgo.RecordHeader, 0, len(h))
	for _, name := range []string{
		signing.SlipwayPrefix + "timestamp", signing.SlipwayPrefix + "signature",
		signing.PortPrefix + "timestamp", signing.PortPrefix + "signature",
		strings.ToLower(IdempotencyKeyHeader), "content-type",
	} {
		out = append(out, kgo.RecordHeader{Key: name, Value: []byte(h.Get(name))})
	}
	return out
}

// kafkaOptions builds the producer's options, resolving the credentials'
// templates in call's scope (where the secrets are).
func kafkaOptions(ctx context.Context, cfg config.Kafka, call backendCall) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), // what the idempotent producer needs
		// Give up before the activity's own timeout, so the attempt fails
		// with Kafka's reason rather than a bare timeout.
		kgo.RecordDeliveryTimeout(20 * time.Second),
	}
	if cfg.SASLMechanism != "" {
		user, err := jqtemplate.RenderString(ctx, cfg.Username, call.Scope)
		if err != nil {
			return nil, fmt.Errorf("SLIPWAY_KAFKA_USERNAME: %w", err)
		}
		pass, err := jqtemplate.RenderString(ctx, cfg.Password, call.Scope)
		if err != nil {
			return nil, fmt.Errorf("SLIPWAY_KAFKA_PASSWORD: %w", err)
		}
		var mech sasl.Mechanism
		switch cfg.SASLMechanism {
		case "PLAIN":
			mech = plain.Auth{User: user, Pass: pass}.AsMechanism()
		case "SCRAM-SHA-256":
			mech = scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
		case "SCRAM-SHA-512":
			mech = scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
		default:
			return nil, fmt.Errorf("SLIPWAY_KAFKA_SASL_MECHANISM: %q is not supported", cfg.SASLMechanism)
		}
		opts = append(opts, kgo.SASL(mech))
	}
	if cfg.TLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.TLSCAFile != "" {
			pem, err := os.ReadFile(cfg.TLSCAFile)
			if err != nil {
				return nil, fmt.Errorf("SLIPWAY_KAFKA_TLS_CA_FILE: %w", err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				return nil, errors.New("SLIPWAY_KAFKA_TLS_CA_FILE: no PEM certificate in it")
			}
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	return opts, nil
}
