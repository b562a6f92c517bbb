package activities_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/config"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/testkit/githubfake"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

const ghToken = "ghp_test_token"

var ghTarget = activities.GitHubTarget{Org: "acme", Repo: "api", Workflow: "deploy.yml"}

func ghFake(t *testing.T) (*githubfake.Server, *activities.Activities) {
	t.Helper()
	fake := githubfake.New(t, ghToken)
	fake.AddWorkflow("acme", "api", githubfake.Workflow{
		File: "deploy.yml", Inputs: []string{"service", "port_payload", "port_context"}, Jobs: []string{"build", "deploy"},
		RunName: func(in map[string]string) string { return "deploy " + in["port_context"] },
	})
	store, _ := pgtest.MustSeededStore(t)
	acts := &activities.Activities{Store: store, Secrets: testKeyring(t), GitHub: config.GitHub{APIURL: fake.URL()}}
	setSecrets(t, acts, map[string]string{"GITHUB_TOKEN": ghToken})
	return fake, acts
}

// setSecrets stores secrets as an admin does ("" deletes one).
func setSecrets(t *testing.T, acts *activities.Activities, values map[string]string) {
	t.Helper()
	ctx := context.Background()
	admin := pgtest.MustUser(t, identity.New(acts.Store), identity.DemoAdminEmail)
	vault := &secretstore.Store{DB: acts.Store, Keys: acts.Secrets}
	for name, value := range values {
		var err error
		if value == "" {
			err = vault.Delete(ctx, admin, name)
		} else {
			_, err = vault.Set(ctx, admin, name, value)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// ghDispatched is a fake with a run dispatched, its id answered.
func ghDispatched(t *testing.T) (*githubfake.Server, *activities.Activities, activities.DispatchGitHubResult) {
	t.Helper()
	fake, acts := ghFake(t)
	fake.RunDetails = true
	res, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget, OmitPayload: true, OmitUserInputs: true})
	if err != nil {
		t.Fatal(err)
	}
	return fake, acts, res
}

var ghData = json.RawMessage(`{"inputs": {"service": "billing"}, "run": {"id": "r-1"}}`)

func TestGitHubDispatchWithRunDetails(t *testing.T) {
	fake, acts := ghFake(t)
	fake.RunDetails = true
	res, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{
		GitHubTarget: ghTarget, Data: ghData,
		WorkflowInputs: map[string]any{"service": "{{ .inputs.service }}", "port_context": map[string]any{"runId": "{{ .run.id }}"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	runs := fake.Runs()
	if len(runs) != 1 || res.RunID != runs[0].ID || res.Ref != "main" || !strings.HasSuffix(res.HTMLURL, "/acme/api/actions/runs/1001") {
		t.Fatalf("dispatch answered %+v; runs %+v", res, runs)
	}
	if got := runs[0].Inputs; got["service"] != "billing" || got["port_context"] != `{"runId":"r-1"}` {
		t.Fatalf("inputs sent: %v", got)
	}
}

// Port's legacy inputs: each user input and port_payload, unless omitted.
func TestGitHubLegacyInputs(t *testing.T) {
	fake, acts := ghFake(t)
	if _, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget, Data: ghData}); err != nil {
		t.Fatal(err)
	}
	in := fake.Runs()[0].Inputs
	if in["service"] != "billing" || !json.Valid([]byte(in["port_payload"])) || !strings.Contains(in["port_payload"], `"r-1"`) {
		t.Fatalf("inputs sent: %v", in)
	}
	if _, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget, Data: ghData, OmitPayload: true, OmitUserInputs: true}); err != nil {
		t.Fatal(err)
	}
	if in := fake.Runs()[1].Inputs; len(in) != 0 {
		t.Fatalf("omitted inputs were sent: %v", in)
	}
}

// A server that answers 204 gives no run id: the run is found by the
// Slipway run id in its name, after it appears, and concurrent dispatches
// of the same workflow are never mixed up.
func TestGitHubRunFoundByNameAfterA204(t *testing.T) {
	fake, acts := ghFake(t)
	fake.HiddenPolls = 2
	ctx := context.Background()
	dispatch := func(runID string) activities.DispatchGitHubResult {
		res, err := acts.DispatchGitHubWorkflow(ctx, activities.DispatchGitHubInput{GitHubTarget: ghTarget, Data: json.RawMessage(`{"run": {"id": "` + runID + `"}}`),
			WorkflowInputs: map[string]any{"port_context": "{{ .run.id }}"}})
		if err != nil || res.RunID != 0 {
			t.Fatalf("dispatch: %+v %v", res, err)
		}
		return res
	}
	first, second := dispatch("run-a"), dispatch("run-b")
	poll := func(marker string, res activities.DispatchGitHubResult) activities.PollGitHubResult {
		got, err := acts.PollGitHubRun(ctx, activities.PollGitHubInput{GitHubTarget: ghTarget,
			GitHubRunSearch: activities.GitHubRunSearch{Marker: marker, Ref: res.Ref, DispatchedAt: res.DispatchedAt}})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := poll("run-b", second); got.RunID != 0 {
		t.Fatalf("found a run GitHub does not list yet: %+v", got)
	}
	poll("run-b", second)
	b := poll("run-b", second)
	a := poll("run-a", first)
	wantA, _ := fake.RunByInput("port_context", "run-a")
	wantB, _ := fake.RunByInput("port_context", "run-b")
	if a.RunID != wantA.ID || b.RunID != wantB.ID || a.RunID == b.RunID {
		t.Fatalf("found %d and %d, want %d and %d", a.RunID, b.RunID, wantA.ID, wantB.ID)
	}
}

func TestGitHubRefusalsFailWithALabel(t *testing.T) {
	_, acts := ghFake(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		in   activities.DispatchGitHubInput
		want string
	}{
		{"undeclared input", activities.DispatchGitHubInput{GitHubTarget: ghTarget, WorkflowInputs: map[string]any{"colour": "blue"}},
			`GitHub refused dispatching deploy.yml in acme/api (422): Unexpected inputs provided: ["colour"]`},
		{"unknown workflow", activities.DispatchGitHubInput{GitHubTarget: activities.GitHubTarget{Org: "acme", Repo: "api", Workflow: "nope.yml"}},
			"GitHub answered 404 to dispatching nope.yml in acme/api: the repository or workflow does not exist, or the credentials cannot see it"},
		{"unknown repository", activities.DispatchGitHubInput{GitHubTarget: activities.GitHubTarget{Org: "acme", Repo: "web", Workflow: "deploy.yml"}},
			"GitHub answered 404 to reading repository acme/web"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := acts.DispatchGitHubWorkflow(ctx, c.in)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || !appErr.NonRetryable() || !strings.HasPrefix(appErr.Message(), c.want) {
				t.Fatalf("got %v, want a non-retryable %q", err, c.want)
			}
		})
	}
	setSecrets(t, acts, map[string]string{"GITHUB_TOKEN": "wrong"})
	_, err := acts.DispatchGitHubWorkflow(ctx, activities.DispatchGitHubInput{GitHubTarget: ghTarget})
	if err == nil || !strings.Contains(err.Error(), "GitHub refused the credentials (401)") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad token: %v", err)
	}
	setSecrets(t, acts, map[string]string{"GITHUB_TOKEN": ""})
	_, err = acts.DispatchGitHubWorkflow(ctx, activities.DispatchGitHubInput{GitHubTarget: ghTarget})
	if err == nil || !strings.Contains(err.Error(), "no GitHub credentials: an admin sets the secret GITHUB_TOKEN") {
		t.Fatalf("no credentials: %v", err)
	}
}

// 403 and 429 rate limits are retried after the delay GitHub asks for.
func TestGitHubRateLimitIsRetriedLater(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		fake, acts := ghFake(t)
		fake.RateLimit(1, status, 7*time.Second)
		_, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget})
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.NonRetryable() || appErr.Type() != activities.ErrTypeGitHubRateLimited || appErr.NextRetryDelay() != 7*time.Second {
			t.Fatalf("%d: got %v, want a retryable rate limit waiting 7s", status, err)
		}
	}
}

// Finished jobs' logs come through the 302 to the log's URL, once each.
func TestGitHubPollStreamsFinishedJobLogs(t *testing.T) {
	fake, acts, res := ghDispatched(t)
	ctx := context.Background()
	fake.FinishJob(res.RunID, "build", "success", "compiling\nbuilt billing\n")
	got, err := acts.PollGitHubRun(ctx, activities.PollGitHubInput{GitHubTarget: ghTarget, RunID: res.RunID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status == "completed" || len(got.Logs) != 1 || got.Logs[0].Name != "build" || strings.Join(got.Logs[0].Lines, "|") != "compiling|built billing" {
		t.Fatalf("poll: %+v", got)
	}
	fake.Finish(res.RunID, "failure")
	got, err = acts.PollGitHubRun(ctx, activities.PollGitHubInput{GitHubTarget: ghTarget, RunID: res.RunID, LoggedJobs: []int64{got.Logs[0].JobID}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "completed" || got.Conclusion != "failure" || len(got.Logs) != 1 || got.Logs[0].Name != "deploy" {
		t.Fatalf("poll: %+v", got)
	}
}

// Cancelling a running run is accepted; a finished one answers 409, fine too.
func TestGitHubCancel(t *testing.T) {
	fake, acts, res := ghDispatched(t)
	ctx := context.Background()
	for range 2 {
		if err := acts.CancelGitHubRun(ctx, activities.CancelGitHubInput{GitHubTarget: ghTarget, RunID: res.RunID}); err != nil {
			t.Fatal(err)
		}
	}
	if run := fake.Runs()[0]; run.Conclusion != "cancelled" {
		t.Fatalf("run: %+v", run)
	}
	if got := fake.Requests(); strings.Count(strings.Join(got, "\n"), "/cancel") != 2 {
		t.Fatalf("requests: %v", got)
	}
}

// A GitHub App's secrets buy an installation token (ghinstallation signs
// the JWT), which then authenticates the calls.
func TestGitHubAppCredentials(t *testing.T) {
	fake, acts := ghFake(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	fake.TrustApp(42, 7, &key.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	setSecrets(t, acts, map[string]string{"GITHUB_TOKEN": "", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY": string(pemKey)})
	if _, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget, OmitPayload: true, OmitUserInputs: true}); err != nil {
		t.Fatal(err)
	}
	if got := fake.Requests(); len(got) < 2 || got[0] != "POST /app/installations/7/access_tokens" {
		t.Fatalf("requests: %v", got)
	}
	setSecrets(t, acts, map[string]string{"GITHUB_APP_INSTALLATION_ID": "8"})
	if _, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget}); err == nil {
		t.Fatal("a token for another installation was issued")
	}
}

// A run cancelled before GitHub lists its dispatched run (a 204 answer)
// waits for the listing, then cancels the right run.
func TestGitHubCancelFindsARunNotListedYet(t *testing.T) {
	fake, acts := ghFake(t)
	fake.HiddenPolls = 1
	ctx := context.Background()
	res, err := acts.DispatchGitHubWorkflow(ctx, activities.DispatchGitHubInput{GitHubTarget: ghTarget, Data: ghData,
		WorkflowInputs: map[string]any{"port_context": "{{ .run.id }}"}})
	if err != nil {
		t.Fatal(err)
	}
	in := activities.CancelGitHubInput{GitHubTarget: ghTarget, GitHubRunSearch: activities.GitHubRunSearch{Marker: "r-1", Ref: res.Ref, DispatchedAt: res.DispatchedAt}}
	var appErr *temporal.ApplicationError
	if err := acts.CancelGitHubRun(ctx, in); err == nil || errors.As(err, &appErr) && appErr.NonRetryable() {
		t.Fatalf("cancelled a run GitHub does not list yet: %v", err)
	}
	if err := acts.CancelGitHubRun(ctx, in); err != nil {
		t.Fatal(err)
	}
	if run := fake.Runs()[0]; run.Conclusion != "cancelled" {
		t.Fatalf("run: %+v", run)
	}
}

// Job logs that echo a secret input or the credentials show them masked.
func TestGitHubJobLogsMaskSecretInputs(t *testing.T) {
	fake, acts, res := ghDispatched(t)
	const password = "hunter2"
	fake.FinishJob(res.RunID, "build", "success", "logging in with hunter2 as "+ghToken)
	got, err := acts.PollGitHubRun(context.Background(), activities.PollGitHubInput{GitHubTarget: ghTarget, RunID: res.RunID,
		SecretInputs: sealedData(t, acts.Secrets, runID, password)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Logs) != 1 || strings.Join(got.Logs[0].Lines, "\n") != "logging in with "+secrets.Mask+" as "+secrets.Mask {
		t.Fatalf("logs: %+v", got.Logs)
	}
}

// An operator may name other secrets (SLIPWAY_GITHUB_TOKEN holding
// {{ .secrets.CI_GITHUB }}): the run uses those.
func TestGitHubCredentialsFromConfiguredSecrets(t *testing.T) {
	fake, acts := ghFake(t)
	setSecrets(t, acts, map[string]string{"GITHUB_TOKEN": "", "CI_GITHUB": ghToken})
	acts.GitHub.Token = "{{ .secrets.CI_GITHUB }}"
	if _, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget, OmitPayload: true, OmitUserInputs: true}); err != nil {
		t.Fatal(err)
	}
	if len(fake.Runs()) != 1 {
		t.Fatal("not dispatched")
	}
	setSecrets(t, acts, map[string]string{"CI_GITHUB": ""})
	_, err := acts.DispatchGitHubWorkflow(context.Background(), activities.DispatchGitHubInput{GitHubTarget: ghTarget})
	if err == nil || !strings.Contains(err.Error(), "secret CI_GITHUB does not exist") {
		t.Fatalf("missing configured secret: %v", err)
	}
}
