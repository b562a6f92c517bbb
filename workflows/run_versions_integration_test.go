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

// codeVersionHistory is a run that carried runs.CodeVersion.
const codeVersionHistory = "testdata/run_code_version_history.json"

// A run started as today's starters start it (CodeVersion in its input,
// its first status set as a search attribute) records no version marker
// and upserts its status once, when it ends: its first workflow task
// writes nothing to Temporal's visibility store.
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
	in := runs.Input{
		RunID: uuid.NewString(), Action: def, Inputs: map[string]any{},
		Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com"}, Origin: "API",
		RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
		CodeVersion: runs.CodeVersion,
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
	var markers, upserts []int64
	iter := srv.Client.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch e.GetEventType() {
		case enums.EVENT_TYPE_MARKER_RECORDED:
			if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "Version" {
				markers = append(markers, e.GetEventId())
			}
		case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			upserts = append(upserts, e.GetEventId())
		}
	}
	if len(markers) != 0 || len(upserts) != 1 {
		t.Errorf("version markers at events %v, search attribute upserts at %v; want none and one (the end)", markers, upserts)
	}
	desc, err := srv.Client.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	var status runs.Status
	if p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["SlipwayStatus"]; p != nil {
		_ = json.Unmarshal(p.GetData(), &status)
	}
	if status != runs.StatusSuccess {
		t.Errorf("status search attribute %q, want %s", status, runs.StatusSuccess)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), codeVersionHistory)
	}
}

// Such a run replays; so does one whose first task a worker of the release
// before ran (it ignored CodeVersion and recorded runV2), as happens while
// web processes are upgraded before workers.
func TestRunReplaysCodeVersionHistories(t *testing.T) {
	mixed := filepath.Join(t.TempDir(), "older_worker_first.json")
	withCodeVersion(t, recordRowHistory, mixed)
	for _, f := range []string{codeVersionHistory, mixed} {
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
