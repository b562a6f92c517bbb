package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
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
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/githubfake"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/worker"
	"github.com/slipwayhq/slipway/workflows"
)

// githubRunHistory is a GITHUB run that dispatched, followed its GitHub
// run through polls and job logs, and ended with its conclusion.
const githubRunHistory = "testdata/run_github_history.json"

// githubStack is the real stack for GITHUB runs: a Temporal server, the
// worker with the real activities on PostgreSQL, and the fake GitHub.
type githubStack struct {
	srv       *temporaltest.Server
	store     *db.Store
	fake      *githubfake.Server
	acts      *activities.Activities
	requester uuid.UUID
}

const githubToken = "ghp_workflows_test"

func startGitHubStack(t *testing.T) *githubStack {
	t.Helper()
	st := &githubStack{store: pgtest.MustStore(t), fake: githubfake.New(t, githubToken)}
	st.requester = seededUser(t, st.store, "dev1@example.com")
	st.fake.AddWorkflow("acme", "api", githubfake.Workflow{
		File: "deploy.yml", Inputs: []string{"service", "port_context"}, Jobs: []string{"build", "deploy"},
		// run-name: deploy ${{ fromJSON(inputs.port_context).runId }}
		RunName: func(in map[string]string) string {
			var pc struct{ RunID string }
			_ = json.Unmarshal([]byte(in["port_context"]), &pc)
			return "deploy " + pc.RunID
		},
	})
	st.acts = &activities.Activities{Store: st.store, WebhookSecret: []byte("s3cret"), Secrets: testkit.Keyring(t, nil),
		GitHub: config.GitHub{APIURL: st.fake.URL()}}
	// The credentials are the secret store's, as an admin set them.
	admin := pgtest.MustUser(t, identity.New(st.store), identity.DemoAdminEmail)
	if _, err := (&secretstore.Store{DB: st.store, Keys: st.acts.Secrets}).Set(context.Background(), admin, "GITHUB_TOKEN", githubToken); err != nil {
		t.Fatal(err)
	}
	st.srv = temporaltest.MustStart(t)
	return st
}

func (st *githubStack) startWorker(t *testing.T) func() {
	t.Helper()
	w := worker.New(st.srv.Client, st.acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() { once.Do(w.Stop) }
	t.Cleanup(stop)
	return stop
}

// githubAction is Port's GITHUB definition, pasted unchanged.
func githubAction(t *testing.T, invocation string) actions.Definition {
	t.Helper()
	def, err := actions.Parse([]byte(`{"identifier": "deploy", "title": "Deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"service": {"type": "string"}}}}, "invocationMethod": ` + invocation + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return def
}

const portGitHubInvocation = `{"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml",
  "workflowInputs": {"service": "{{ .inputs.service }}", "port_context": {"runId": "{{ .run.id }}", "action": "{{ .action.identifier }}"}},
  "reportWorkflowStatus": true}`

func (st *githubStack) start(t *testing.T, def actions.Definition, options ...func(*runs.Input)) (client.WorkflowRun, runs.Input) {
	t.Helper()
	in := runs.Input{
		RunID: uuid.NewString(), Action: def, Inputs: map[string]any{"service": "billing"},
		Requester: runs.Person{ID: st.requester.String(), Email: "dev1@example.com"}, Origin: "API",
		RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
		CodeVersion: runs.CodeVersion, BackendPollInterval: 100 * time.Millisecond,
	}
	for _, o := range options {
		o(&in)
	}
	run, err := st.srv.Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	return run, in
}

// githubRun waits for the run's GitHub run to be dispatched.
func (st *githubStack) githubRun(t *testing.T, in runs.Input) githubfake.Run {
	t.Helper()
	var run githubfake.Run
	testkit.WaitUntil(t, 30*time.Second, "the workflow to be dispatched", func() bool {
		var ok bool
		run, ok = st.fake.RunByInput("port_context", fmt.Sprintf(`{"action":"deploy","runId":%q}`, in.RunID))
		return ok
	})
	return run
}

// row waits for the run's row to reach status.
func (st *githubStack) row(t *testing.T, in runs.Input, status runs.Status) queries.Run {
	t.Helper()
	var row queries.Run
	testkit.WaitUntil(t, 30*time.Second, "the run to be "+string(status), func() bool {
		var err error
		row, err = st.store.Q.GetRun(context.Background(), uuid.MustParse(in.RunID))
		return err == nil && row.Status == status
	})
	return row
}

func (st *githubStack) logs(t *testing.T, in runs.Input) string {
	t.Helper()
	lines, err := st.store.Q.ListRunLogs(context.Background(), queries.ListRunLogsParams{RunID: uuid.MustParse(in.RunID), MaxLines: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range lines {
		out = append(out, l.Message)
	}
	return strings.Join(out, "\n")
}

// Port's GITHUB definitions run end to end on the real stack: the run is
// linked, job logs stream in as jobs finish, the conclusion ends the run.
func TestGitHubRunsOnRealServer(t *testing.T) {
	st := startGitHubStack(t)
	st.fake.RunDetails = true
	st.fake.HiddenPolls = 2
	st.startWorker(t)
	def := githubAction(t, portGitHubInvocation)

	t.Run("success", func(t *testing.T) {
		wf, in := st.start(t, def)
		gh := st.githubRun(t, in)
		if gh.Inputs["service"] != "billing" {
			t.Fatalf("inputs: %v", gh.Inputs)
		}
		st.fake.FinishJob(gh.ID, "build", "success", "go build ./...\nbuilt billing")
		testkit.WaitUntil(t, 30*time.Second, "the build job's log in the run's log", func() bool {
			return strings.Contains(st.logs(t, in), "[build] built billing")
		})
		if row := st.row(t, in, runs.StatusInProgress); row.ExternalRunID != fmt.Sprint(gh.ID) || !strings.Contains(string(row.Links), fmt.Sprintf("/acme/api/actions/runs/%d", gh.ID)) {
			t.Fatalf("the run does not link its GitHub run: %s %s", row.ExternalRunID, row.Links)
		}
		st.fake.FinishJob(gh.ID, "deploy", "success", "deployed billing")
		st.fake.Finish(gh.ID, "success")
		row := st.row(t, in, runs.StatusSuccess)
		if row.StatusLabel != "GitHub workflow run: success" {
			t.Errorf("label %q", row.StatusLabel)
		}
		if logs := st.logs(t, in); !strings.Contains(logs, "[deploy] deployed billing") || strings.Count(logs, "built billing") != 1 {
			t.Errorf("logs:\n%s", logs)
		}
		if err := wf.Get(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
			temporaltest.WriteHistory(t, st.srv.Client, wf.GetID(), wf.GetRunID(), githubRunHistory)
		}
	})

	t.Run("failure", func(t *testing.T) {
		_, in := st.start(t, def)
		gh := st.githubRun(t, in)
		st.fake.Finish(gh.ID, "timed_out")
		if row := st.row(t, in, runs.StatusFailure); row.StatusLabel != "timed_out" {
			t.Errorf("label %q", row.StatusLabel)
		}
	})

	t.Run("skipped is a success", func(t *testing.T) {
		_, in := st.start(t, def)
		st.fake.Finish(st.githubRun(t, in).ID, "skipped")
		st.row(t, in, runs.StatusSuccess)
	})

	t.Run("cancel", func(t *testing.T) {
		wf, in := st.start(t, def)
		gh := st.githubRun(t, in)
		update(t, st.srv.Client, wf.GetID(), runs.UpdateCancel, runs.CancelRequest{By: "dev1@example.com", Reason: "wrong service"})
		st.row(t, in, runs.StatusCancelled)
		if err := wf.Get(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.fake.RunByInput("port_context", gh.Inputs["port_context"]); got.Conclusion != "cancelled" {
			t.Errorf("the GitHub run was not cancelled: %+v", got)
		}
	})

	t.Run("timeout cancels the GitHub run", func(t *testing.T) {
		wf, in := st.start(t, githubAction(t, portGitHubInvocation+`, "runTimeout": "2s"`))
		gh := st.githubRun(t, in)
		if row := st.row(t, in, runs.StatusFailure); row.StatusLabel != "timed out after 2s" {
			t.Errorf("label %q", row.StatusLabel)
		}
		if err := wf.Get(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.fake.RunByInput("port_context", gh.Inputs["port_context"]); got.Conclusion != "cancelled" {
			t.Errorf("the GitHub run was not cancelled: %+v", got)
		}
	})

	t.Run("continues as new while it waits", func(t *testing.T) {
		wf, in := st.start(t, def, func(in *runs.Input) { in.ContinueAsNewAfter = 40 })
		gh := st.githubRun(t, in)
		first := wf.GetRunID()
		testkit.WaitUntil(t, 30*time.Second, "the run to continue as new", func() bool {
			d, err := st.srv.Client.DescribeWorkflowExecution(context.Background(), wf.GetID(), "")
			return err == nil && d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != first
		})
		st.fake.FinishJob(gh.ID, "build", "success", "built after continuing")
		st.fake.Finish(gh.ID, "success")
		st.row(t, in, runs.StatusSuccess)
		if logs := st.logs(t, in); strings.Count(logs, "built after continuing") != 1 {
			t.Errorf("logs:\n%s", logs)
		}
	})

	t.Run("secret inputs are masked in job logs", func(t *testing.T) {
		secretDef, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
		  "userInputs": {"properties": {"service": {"type": "string", "encryption": "aes256-gcm"}}}}, "invocationMethod": ` + portGitHubInvocation + `}`))
		if err != nil {
			t.Fatal(err)
		}
		var sealErr error
		_, in := st.start(t, secretDef, func(in *runs.Input) {
			in.Inputs["service"], sealErr = st.acts.Secrets.SealInput(in.RunID, "service", "hunter2")
		})
		if sealErr != nil {
			t.Fatal(sealErr)
		}
		gh := st.githubRun(t, in)
		if gh.Inputs["service"] != "hunter2" {
			t.Fatalf("the workflow got %q, not the secret input", gh.Inputs["service"])
		}
		st.fake.FinishJob(gh.ID, "build", "success", "deploying hunter2")
		st.fake.Finish(gh.ID, "success")
		st.row(t, in, runs.StatusSuccess)
		if logs := st.logs(t, in); strings.Contains(logs, "hunter2") || !strings.Contains(logs, "deploying "+secrets.Mask) {
			t.Errorf("logs:\n%s", logs)
		}
	})

	t.Run("rate limit slows it down", func(t *testing.T) {
		st.fake.RateLimit(2, http.StatusForbidden, time.Second)
		_, in := st.start(t, def)
		gh := st.githubRun(t, in)
		st.fake.RateLimit(1, http.StatusTooManyRequests, time.Second)
		st.fake.Finish(gh.ID, "success")
		st.row(t, in, runs.StatusSuccess)
	})

	t.Run("undeclared input fails at once", func(t *testing.T) {
		_, in := st.start(t, githubAction(t, `{"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml",
		  "workflowInputs": {"colour": "blue"}}`))
		row := st.row(t, in, runs.StatusFailure)
		if want := `GitHub refused dispatching deploy.yml in acme/api (422): Unexpected inputs provided: ["colour"]`; row.StatusLabel != want {
			t.Errorf("label %q, want %q", row.StatusLabel, want)
		}
	})

	t.Run("without reportWorkflowStatus the workflow reports", func(t *testing.T) {
		wf, in := st.start(t, githubAction(t, strings.Replace(portGitHubInvocation, `"reportWorkflowStatus": true`, `"reportWorkflowStatus": false`, 1)))
		gh := st.githubRun(t, in)
		st.fake.Finish(gh.ID, "failure") // not what ends the run
		label := "reported by the workflow"
		update(t, st.srv.Client, wf.GetID(), runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess, StatusLabel: &label})
		if row := st.row(t, in, runs.StatusSuccess); row.StatusLabel != label || row.ExternalRunID != fmt.Sprint(gh.ID) {
			t.Errorf("row: %q %q", row.StatusLabel, row.ExternalRunID)
		}
	})
}

// A server that answers dispatches 204 (no run details): two runs of one
// workflow dispatched at once each find their own GitHub run, by the
// Slipway run id in the run's name, and end with its conclusion.
func TestGitHubConcurrentDispatchesFindTheirRuns(t *testing.T) {
	st := startGitHubStack(t)
	st.fake.HiddenPolls = 3
	st.startWorker(t)
	def := githubAction(t, portGitHubInvocation)
	_, first := st.start(t, def)
	_, second := st.start(t, def)
	a, b := st.githubRun(t, first), st.githubRun(t, second)
	st.fake.Finish(a.ID, "success")
	st.fake.Finish(b.ID, "failure")
	rowA, rowB := st.row(t, first, runs.StatusSuccess), st.row(t, second, runs.StatusFailure)
	if rowA.ExternalRunID != fmt.Sprint(a.ID) || rowB.ExternalRunID != fmt.Sprint(b.ID) {
		t.Fatalf("runs matched %s and %s, want %d and %d", rowA.ExternalRunID, rowB.ExternalRunID, a.ID, b.ID)
	}
}

// The worker goes away while the run waits for its GitHub run: the wait
// is a timer in the workflow's history, so another worker picks it up and
// the run still ends with the conclusion.
func TestGitHubRunOutlivesItsWorker(t *testing.T) {
	st := startGitHubStack(t)
	st.fake.RunDetails = true
	stop := st.startWorker(t)
	_, in := st.start(t, githubAction(t, portGitHubInvocation))
	gh := st.githubRun(t, in)
	st.row(t, in, runs.StatusInProgress)
	testkit.WaitUntil(t, 30*time.Second, "a poll of the GitHub run", func() bool {
		return strings.Contains(strings.Join(st.fake.Requests(), "\n"), fmt.Sprintf("GET /repos/acme/api/actions/runs/%d", gh.ID))
	})
	stop()
	st.fake.FinishJob(gh.ID, "build", "success", "built while no worker ran")
	st.fake.Finish(gh.ID, "success")
	st.startWorker(t)
	st.row(t, in, runs.StatusSuccess)
	if logs := st.logs(t, in); !strings.Contains(logs, "[build] built while no worker ran") {
		t.Errorf("logs:\n%s", logs)
	}
}
