package workflows_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/workflows"
)

// Histories of runs that carried a code version: today's, and a later
// release's (which this code runs as its own version, saying so). Each
// version's are kept (codeVersionHistories) when the next one comes.
var (
	codeVersionHistory  = fmt.Sprintf("testdata/run_code_version_%d_history.json", runs.CodeVersion)
	laterStarterHistory = fmt.Sprintf("testdata/run_later_starter_%d_history.json", runs.CodeVersion)
)

// codeVersionHistories are the committed histories of runs that carried a code version.
func codeVersionHistories(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/run_*_[0-9]*_history.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no code version histories: %v", err)
	}
	return files
}

// A run started as today's starters start it (CodeVersion in its input,
// its first status set as a search attribute) records no version marker
// and upserts its status once, when it ends: its first workflow task
// writes nothing to Temporal's visibility store. A run a starter of a
// later release asked a newer version of runs as this code's version and
// records which, in one marker, for the workers that replay it later.
func TestRunCarryingCodeVersionRecordsNoMarker(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status": "SUCCESS", "statusLabel": "deployed"}`)
	}))
	defer backend.Close()
	def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}`, backend.URL))
	if err != nil {
		t.Fatal(err)
	}
	srv := temporaltest.MustStart(t)
	startWorker(t, srv, store)
	for _, tc := range []struct {
		name        string
		codeVersion int
		markers     []string // change=version
		history     string
	}{
		{"today's starter", runs.CodeVersion, nil, codeVersionHistory},
		{"a later release's starter", runs.CodeVersion + 1, []string{fmt.Sprintf("run-code=%d", runs.CodeVersion)}, laterStarterHistory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := runs.Input{
				RunID: uuid.NewString(), Action: def, Inputs: map[string]any{},
				Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: "API",
				RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
				CodeVersion: tc.codeVersion,
			}
			run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue,
				TypedSearchAttributes: temporal.NewSearchAttributes(runs.SearchStatus.ValueSet(string(runs.StatusInProgress))),
			}, runs.WorkflowName, in)
			if err != nil {
				t.Fatal(err)
			}
			if err := run.Get(ctx, nil); err != nil {
				t.Fatal(err)
			}
			var markers []string
			var upserts, timers int
			iter := srv.Client.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for iter.HasNext() {
				e, err := iter.Next()
				if err != nil {
					t.Fatal(err)
				}
				switch e.GetEventType() {
				case enums.EVENT_TYPE_MARKER_RECORDED:
					if attrs := e.GetMarkerRecordedEventAttributes(); attrs.GetMarkerName() == "Version" {
						var id string
						var v int
						_ = json.Unmarshal(attrs.GetDetails()["change-id"].GetPayloads()[0].GetData(), &id)
						_ = json.Unmarshal(attrs.GetDetails()["version"].GetPayloads()[0].GetData(), &v)
						markers = append(markers, fmt.Sprintf("%s=%d", id, v))
					}
				case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
					upserts++
				case enums.EVENT_TYPE_TIMER_STARTED:
					timers++
				}
			}
			if !slices.Equal(markers, tc.markers) {
				t.Errorf("version markers %v, want %v", markers, tc.markers)
			}
			// Each marker upserts TemporalChangeVersion; the status once, at the end.
			if want := len(tc.markers) + 1; upserts != want {
				t.Errorf("%d search attribute upserts, want %d", upserts, want)
			}
			// The synchronous call runs under its own deadline (CodeVersion 4).
			if timers != 0 {
				t.Errorf("%d timers started, want none", timers)
			}
			desc, err := srv.Client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
			if err != nil {
				t.Fatal(err)
			}
			var status string
			if p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["SlipwayStatus"]; p != nil {
				_ = json.Unmarshal(p.GetData(), &status)
			}
			if status != string(runs.StatusSuccess) {
				t.Errorf("status search attribute %q, want %s", status, runs.StatusSuccess)
			}
			if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
				temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), tc.history)
			}
		})
	}
}

// Such a run replays; so does one whose first task a worker of the release
// before ran (it ignored CodeVersion and recorded runV2), as happens while
// web processes are upgraded before workers.
func TestRunReplaysCodeVersionHistories(t *testing.T) {
	mixed := filepath.Join(t.TempDir(), "older_worker_first.json")
	withCodeVersion(t, recordRowHistory, mixed)
	for _, f := range append(codeVersionHistories(t), mixed) {
		r := sdkworker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: runs.WorkflowName})
		if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
			t.Errorf("replay %s: %v", f, err)
		}
	}
}

// withCodeVersion copies the history at from to to with CodeVersion set in
// the run's input, as a starter of this release sends it.
func withCodeVersion(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	started := h["events"].([]any)[0].(map[string]any)["workflowExecutionStartedEventAttributes"].(map[string]any)
	payload := started["input"].(map[string]any)["payloads"].([]any)[0].(map[string]any)
	data, err := base64.StdEncoding.DecodeString(payload["data"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	in["CodeVersion"] = runs.CodeVersion
	data, _ = json.Marshal(in)
	payload["data"] = base64.StdEncoding.EncodeToString(data)
	out, _ := json.Marshal(h)
	if err := os.WriteFile(to, out, 0o600); err != nil {
		t.Fatal(err)
	}
}
