package workflows_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/worker"
)

// Histories of the KAFKA and GITLAB branches (SLIPWAY_RECORD_HISTORY=1
// rewrites them); TestEveryCommittedHistoryReplays replays them.
const (
	kafkaRunHistory  = "testdata/run_kafka_history.json"
	gitlabRunHistory = "testdata/run_gitlab_history.json"
)

// startBackendRun starts a run of def on a real server whose worker has acts.
func startBackendRun(t *testing.T, store *db.Store, acts *activities.Activities, def actions.Definition, inputs map[string]any) (client.Client, client.WorkflowRun, uuid.UUID) {
	t.Helper()
	acts.Store = store
	srv := serverWithWorker(t, acts)
	run, runID := startRun(t, store, srv.Client, def, inputs)
	return srv.Client, run, runID
}

// startRun starts a run of def, requested by a seeded user, with c.
func startRun(t *testing.T, store *db.Store, c client.Client, def actions.Definition, inputs map[string]any) (client.WorkflowRun, uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	dev, err := ident.UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	runID := pgtest.InProgressRun(t, store, dev.ID, def.Identifier)
	in := runs.Input{
		RunID: runID.String(), Action: def, Inputs: inputs,
		Requester: runs.Person{ID: dev.ID.String(), Email: dev.Email}, Origin: "API",
		RunToken: "slr_test", CreatedAt: time.Now().UTC(),
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: runs.TaskQueue}, runs.WorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	return run, runID
}

func awaitRun(t *testing.T, run client.WorkflowRun) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("the run's workflow: %v", err)
	}
}

func storedLog(t *testing.T, store *db.Store, runID uuid.UUID) string {
	t.Helper()
	rows, err := store.Q.ListRunLogs(context.Background(), queries.ListRunLogsParams{RunID: runID, AfterSeq: 0, MaxLines: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, r.Message)
	}
	return strings.Join(lines, "\n")
}

// A KAFKA run on a real server: published once, signed, then reported
// done by its consumer through the run's update.
func TestKafkaRunOnRealServer(t *testing.T) {
	store := pgtest.MustStore(t)
	kafka := testkit.MustKafka(t, "slipway-runs")
	def, err := actions.Parse([]byte(`{"identifier": "scaffold", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "KAFKA"}}`))
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{WebhookSecret: []byte("s3cret"), Kafka: config.Kafka{Brokers: kafka.Brokers, Topic: "slipway-runs"}}
	c, run, runID := startBackendRun(t, store, acts, def, map[string]any{})

	records := kafka.Records(t, 1)
	if len(records) != 1 || string(records[0].Key) != runID.String() {
		t.Fatalf("records %v", records)
	}
	// The consumer may report before the publish's answer reaches the
	// workflow (the run then ends all the same); this one waits for it, so
	// the recorded history holds the whole branch.
	testkit.WaitUntil(t, 30*time.Second, "the publish logged", func() bool {
		return strings.Contains(storedLog(t, store, runID), "published to Kafka topic slipway-runs")
	})
	label := "scaffolded"
	update(t, c, run.GetID(), runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess, StatusLabel: &label})
	awaitRun(t, run)
	saved, err := store.Q.GetRun(context.Background(), runID)
	if err != nil || saved.Status != runs.StatusSuccess || saved.StatusLabel != label {
		t.Fatalf("saved run %s %q %v", saved.Status, saved.StatusLabel, err)
	}
	if log := storedLog(t, store, runID); !strings.Contains(log, "published to Kafka topic slipway-runs") {
		t.Errorf("log %q", log)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, c, run.GetID(), run.GetRunID(), kafkaRunHistory)
	}
}

// A GITLAB run on a real server: the pipeline is triggered, followed with
// timers between polls, its job's trace lands in the run's log, and its
// success ends the run.
func TestGitLabRunOnRealServer(t *testing.T) {
	store := pgtest.MustStore(t)
	fake := testkit.MustGitLab(t, "glpat-test", "")
	fake.AddProject("platform/payments", "main")
	def, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "GITLAB", "groupName": "platform", "projectName": "payments", "pipelineVariables": {"RUN": "{{ .run.id }}"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, Token: fake.Token, PollInterval: 200 * time.Millisecond}}
	c, run, runID := startBackendRun(t, store, acts, def, map[string]any{})
	p := fake.WaitForPipeline(t, 1)
	if p.Variables["RUN"] != runID.String() {
		t.Errorf("pipeline variables %v", p.Variables)
	}
	fake.SetStatus(p.ID, "running")
	fake.SetJob(p.ID, "build", "build", "success", "built\n")
	// Two looks at the running pipeline: the history holds a timer between polls.
	testkit.WaitUntil(t, 30*time.Second, "two polls", func() bool { return polls(fake, p.ID) >= 2 })
	fake.SetJob(p.ID, "deploy", "deploy", "success", "deployed\n")
	fake.SetStatus(p.ID, "success")
	awaitRun(t, run)
	saved, err := store.Q.GetRun(context.Background(), runID)
	if err != nil || saved.Status != runs.StatusSuccess || saved.StatusLabel != "success" || !strings.Contains(string(saved.Links), "/-/pipelines/") {
		t.Fatalf("saved run %s %q %s %v", saved.Status, saved.StatusLabel, saved.Links, err)
	}
	if log := storedLog(t, store, runID); !strings.Contains(log, "GitLab job deploy (stage deploy) success") || !strings.Contains(log, "\nbuilt\n") || !strings.Contains(log, "\ndeployed") {
		t.Errorf("log %q", log)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, c, run.GetID(), run.GetRunID(), gitlabRunHistory)
	}
}

// polls counts the looks at a pipeline the fake GitLab served.
func polls(fake *testkit.GitLab, pipeline int64) int {
	n := 0
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r, "/pipelines/"+strconv.FormatInt(pipeline, 10)) {
			n++
		}
	}
	return n
}

// The worker is stopped while the run waits on its pipeline, and a new
// one started after the pipeline ended: nothing was held in between (a
// timer waits, not an activity), and the new worker finishes the run.
func TestAGitLabRunSurvivesAWorkerRestartWhileItWaits(t *testing.T) {
	store := pgtest.MustStore(t)
	fake := testkit.MustGitLab(t, "glpat-test", "")
	fake.AddProject("platform/payments", "main")
	def, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "GITLAB", "groupName": "platform", "projectName": "payments"}}`))
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Store: store, GitLab: config.GitLab{BaseURL: fake.URL, Token: fake.Token, PollInterval: 200 * time.Millisecond}}
	srv := temporaltest.MustStart(t)
	first := worker.New(srv.Client, acts)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	run, runID := startRun(t, store, srv.Client, def, map[string]any{})
	p := fake.WaitForPipeline(t, 1)
	fake.SetStatus(p.ID, "running")
	testkit.WaitUntil(t, 30*time.Second, "two polls", func() bool { return polls(fake, p.ID) >= 2 })
	first.Stop()
	seen := polls(fake, p.ID)
	fake.SetJob(p.ID, "deploy", "deploy", "success", "deployed\n")
	fake.SetStatus(p.ID, "success")

	second := worker.New(srv.Client, acts)
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	defer second.Stop()
	awaitRun(t, run)
	saved, err := store.Q.GetRun(context.Background(), runID)
	if err != nil || saved.Status != runs.StatusSuccess || polls(fake, p.ID) <= seen {
		t.Fatalf("saved run %s %q %v, after %d polls (%d before the restart)", saved.Status, saved.StatusLabel, err, polls(fake, p.ID), seen)
	}
	if log := storedLog(t, store, runID); !strings.Contains(log, "\ndeployed") {
		t.Errorf("log %q", log)
	}
}

// A run cancelled while GitLab is still creating its pipeline cancels the
// pipeline once it exists.
func TestAGitLabRunCancelledDuringItsTriggerCancelsThePipeline(t *testing.T) {
	store := pgtest.MustStore(t)
	fake := testkit.MustGitLab(t, "glpat-test", "")
	fake.AddProject("platform/payments", "main")
	release := fake.HoldPipelines()
	defer release()
	def, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "GITLAB", "groupName": "platform", "projectName": "payments"}}`))
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{GitLab: config.GitLab{BaseURL: fake.URL, Token: fake.Token, PollInterval: 200 * time.Millisecond}}
	c, run, runID := startBackendRun(t, store, acts, def, map[string]any{})
	testkit.WaitUntil(t, 30*time.Second, "the trigger to reach GitLab", func() bool {
		return slices.Contains(fake.Requests(), "POST /api/v4/projects/1001/pipeline")
	})
	update(t, c, run.GetID(), runs.UpdateCancel, runs.CancelRequest{By: "admin@example.com"})
	release()
	awaitRun(t, run)
	if p := fake.Pipelines(); len(p) != 1 || p[0].Status != "canceled" {
		t.Errorf("pipelines %+v: want the one created, canceled", p)
	}
	saved, err := store.Q.GetRun(context.Background(), runID)
	if err != nil || saved.Status != runs.StatusCancelled {
		t.Errorf("saved run %s %v", saved.Status, err)
	}
}
