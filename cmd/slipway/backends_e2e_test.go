//go:build !slipway_lean

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/signing"
	"github.com/slipwayhq/slipway/testkit"
)

// endedRun waits until the run has ended and returns it.
func endedRun(t *testing.T, s *devStack, id string) *slipwayv1.Run {
	t.Helper()
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	var run *slipwayv1.Run
	waitUntil(t, 30*time.Second, "run "+id+" to end", func() bool {
		got, err := api.GetRun(context.Background(), withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), s.Token))
		if err == nil {
			run = got.Msg.GetRun()
		}
		return run.GetEndedAt() != nil
	})
	return run
}

func runLog(t *testing.T, s *devStack, id string) string {
	t.Helper()
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	got, err := api.ListRunLogs(context.Background(), withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: id}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range got.Msg.GetLogs() {
		lines = append(lines, l.GetMessage())
	}
	return strings.Join(lines, "\n")
}

func execute(t *testing.T, s *devStack, action string, properties map[string]any) string {
	t.Helper()
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	started, err := api.ExecuteAction(context.Background(), withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: action, Properties: mustStruct(t, properties)}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	return started.Msg.GetRun().GetId()
}

// A Port KAFKA action, pasted unchanged: the run's payload arrives once on
// the configured topic, signed, keyed by the run's id; the consumer
// reports through the run API with the run's token, and only that ends
// the run.
func TestKafkaRunEndToEnd(t *testing.T) {
	password := randomSecret("kafka-")
	kafka := testkit.MustKafka(t, "slipway-runs", kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "slipway", password))
	s := mustStartDevWith(t, t.TempDir(), func(c *config.Config) {
		c.Demo = false
		// The credentials are the default templates: the secrets KAFKA_USERNAME and KAFKA_PASSWORD.
		c.Kafka = config.Kafka{Brokers: kafka.Brokers, Topic: "slipway-runs", SASLMechanism: "SCRAM-SHA-256",
			Username: config.DefaultKafkaUsername, Password: config.DefaultKafkaPassword}
	})
	defer s.Close()
	setSecret(t, s, "KAFKA_USERNAME", "slipway")
	setSecret(t, s, "KAFKA_PASSWORD", password)
	consumer := kgo.SASL(scram.Auth{User: "slipway", Pass: password}.AsSha256Mechanism())
	def := `{"action": {"identifier": "scaffold", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"service": {"type": "string"}}}}, "invocationMethod": {"type": "KAFKA"}}}`
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	id := execute(t, s, "scaffold", map[string]any{"service": "payments"})

	// Once per run: a later read finds this one record and no other.
	records := kafka.Records(t, 1, consumer)
	if len(records) != 1 || string(records[0].Key) != id {
		t.Fatalf("records %v: want one keyed by run %s", records, id)
	}
	r := records[0]
	headers := map[string]string{}
	for _, h := range r.Headers {
		headers[h.Key] = string(h.Value)
	}
	ts, _ := strconv.ParseInt(headers["x-port-timestamp"], 10, 64)
	if headers["x-port-signature"] != signing.Sign([]byte(s.WebhookSecret), ts, r.Value) || headers["idempotency-key"] == "" {
		t.Errorf("headers %v do not verify with the webhook secret", headers)
	}
	call := testkit.Call{Body: r.Value}
	payload := call.JSON()
	runPart, _ := payload["run"].(map[string]any)
	inputs, _ := payload["inputs"].(map[string]any)
	token, _ := runPart["token"].(string)
	if runPart["id"] != id || token == "" || inputs["service"] != "payments" {
		t.Fatalf("payload %s", r.Value)
	}
	if run := runNow(t, s, id); run.GetStatus() != "IN_PROGRESS" {
		t.Errorf("run %s before its consumer reported", run.GetStatus())
	}
	if err := reportSuccess(s.PortalURL, id, token); err != nil {
		t.Fatal(err)
	}
	if run := endedRun(t, s, id); run.GetStatus() != "SUCCESS" {
		t.Errorf("run %v", run)
	}
	if again := kafka.Records(t, 1, consumer); len(again) != 1 {
		t.Errorf("%d records after the run ended: the payload arrives once per run", len(again))
	}
	mustKeepSecretsOutOfStorage(t, s, []string{password})
}

// setSecret stores a named secret as an admin does.
func setSecret(t *testing.T, s *devStack, name, value string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "value": value})
	if status, answer := postJSON(t, s.PortalURL+"/slipway.v1.SecretService/SetSecret", s.Token, string(body)); status != http.StatusOK {
		t.Fatalf("set secret %s: %d %s", name, status, answer)
	}
}

func randomSecret(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func runNow(t *testing.T, s *devStack, id string) *slipwayv1.Run {
	t.Helper()
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	got, err := api.GetRun(context.Background(), withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	return got.Msg.GetRun()
}

// A Port GITLAB action, pasted unchanged, against the fake GitLab: the
// form's inputs become pipeline variables, the pipeline is linked on the
// run, its jobs' traces land in the run's log, and its end ends the run;
// cancelling the run cancels the pipeline.
func TestGitLabRunEndToEnd(t *testing.T) {
	token := randomSecret("glpat-")
	fake := testkit.MustGitLab(t, token, "")
	fake.AddProject("platform/payments", "main")
	s := mustStartDevWith(t, t.TempDir(), func(c *config.Config) {
		c.Demo = false
		// The token is the default template: the secret GITLAB_TOKEN.
		c.GitLab = config.GitLab{BaseURL: fake.URL, Token: config.DefaultGitLabToken, PollInterval: 200 * time.Millisecond}
	})
	defer s.Close()
	setSecret(t, s, "GITLAB_TOKEN", token)
	defer func() { mustKeepSecretsOutOfStorage(t, s, []string{token}) }()
	def := `{"action": {"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"service": {"type": "string"}, "replicas": {"type": "number"}}, "required": ["service"]}},
	  "invocationMethod": {"type": "GITLAB", "projectName": "payments", "groupName": "platform",
	    "pipelineVariables": {"SERVICE": "{{ .inputs.service }}", "REPLICAS": "{{ .inputs.replicas }}"}}}}`
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}

	t.Run("success with the form's inputs as variables", func(t *testing.T) {
		id := execute(t, s, "deploy", map[string]any{"service": "payments", "replicas": 3})
		p := fake.WaitForPipeline(t, 1)
		if p.Variables["SERVICE"] != "payments" || p.Variables["REPLICAS"] != "3" || p.Ref != "main" {
			t.Errorf("pipeline %+v", p)
		}
		url := fmt.Sprintf("%s/platform/payments/-/pipelines/%d", fake.URL, p.ID)
		waitUntil(t, 30*time.Second, "the pipeline linked on the run", func() bool { return runNow(t, s, id).GetLink() != nil && len(runNow(t, s, id).GetLink()) > 0 })
		fake.SetStatus(p.ID, "running")
		fake.SetJob(p.ID, "deploy", "deploy", "success", "\x1b[32mrolled out payments x3\x1b[0m\n")
		fake.SetStatus(p.ID, "success")
		run := endedRun(t, s, id)
		if run.GetStatus() != "SUCCESS" || run.GetStatusLabel() != "success" || fmt.Sprint(run.GetLink()) != "["+url+"]" || run.GetExternalRunId() != strconv.FormatInt(p.ID, 10) {
			t.Errorf("run %v", run)
		}
		if log := runLog(t, s, id); !strings.Contains(log, "GitLab job deploy (stage deploy) success") || !strings.Contains(log, "\nrolled out payments x3") {
			t.Errorf("log %q", log)
		}
	})

	t.Run("failure", func(t *testing.T) {
		id := execute(t, s, "deploy", map[string]any{"service": "payments"})
		p := fake.WaitForPipeline(t, 2)
		fake.SetJob(p.ID, "test", "test", "failed", "1 test failed\n")
		fake.SetStatus(p.ID, "failed")
		if run := endedRun(t, s, id); run.GetStatus() != "FAILURE" || run.GetStatusLabel() != "failed" {
			t.Errorf("run %v", run)
		}
		if log := runLog(t, s, id); !strings.Contains(log, "1 test failed") {
			t.Errorf("log %q", log)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		id := execute(t, s, "deploy", map[string]any{"service": "payments"})
		p := fake.WaitForPipeline(t, 3)
		fake.SetStatus(p.ID, "running")
		fake.SetJob(p.ID, "deploy", "deploy", "running", "")
		api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
		if _, err := api.CancelRun(context.Background(), withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: id, Reason: "wrong service"}), s.Token)); err != nil {
			t.Fatal(err)
		}
		if run := endedRun(t, s, id); run.GetStatus() != "CANCELLED" {
			t.Errorf("run %v", run)
		}
		waitUntil(t, 30*time.Second, "the pipeline to be cancelled", func() bool { return fake.Pipelines()[2].Status == "canceled" })
	})
}
