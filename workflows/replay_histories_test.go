package workflows_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/worker"
	"github.com/slipwayhq/slipway/workflows"
)

// Histories recorded on a real server (SLIPWAY_RECORD_HISTORY=1 rewrites
// them): every workflow type, every GetVersion branch a run of today's code
// takes, continue-as-new, multi-stage approval and notifications.
const (
	// stagedRunHistory is one file per workflow run of the chain: _1, _2, ...
	stagedRunHistory = "testdata/run_stages_notify_history_%d.json"
	expiryHistory    = "testdata/expiry_history.json"
)

// A run with two approval stages and notifications, whose history is kept
// short so that it continues as new while it waits, then is approved by
// both stages, calls its backend and is reported done.
func TestStagedRunContinuesAsNewOnRealServer(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	requester, err := ident.UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	backend := testkit.MustBackend(t)
	notices := testkit.MustBackend(t, testkit.Answers(http.StatusOK, ""))
	def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "deploy", "title": "Deploy",
	  "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"name": {"type": "string"}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q}, "requiredApproval": true,
	  "approvalNotification": {"type": "webhook", "format": "json", "url": %q}}`, backend.URL, notices.URL))
	if err != nil {
		t.Fatal(err)
	}

	srv := serverWithWorker(t, &activities.Activities{Store: store, WebhookSecret: []byte("s3cret")})

	runID := uuid.New()
	in := runs.Input{
		RunID: runID.String(), Action: def, Inputs: map[string]any{"name": "pr-42"},
		Requester: runs.Person{ID: requester.ID.String(), Email: requester.Email, Name: requester.Name}, Origin: "UI",
		Approvers: []string{"approver@example.com"},
		Stages: []runs.ApprovalStage{
			{Title: "team lead", Approvers: []string{"approver@example.com"}, Quorum: "ANY", TTL: time.Hour},
			{Title: "platform", Approvers: []string{"admin@example.com", "dev2@example.com"}, Quorum: "ALL", TTL: time.Hour},
		},
		RunToken: "slr_test", CreatedAt: time.Now().UTC(),
		// Short enough that the decisions below make it continue as new.
		ContinueAsNewAfter: 12,
	}
	tokenHash := make([]byte, 32)
	_, _ = rand.Read(tokenHash)
	definition, _ := json.Marshal(def)
	if _, err := store.Q.CreateRun(ctx, queries.CreateRunParams{
		ID: runID, ActionIdentifier: "deploy", Definition: definition, Inputs: []byte(`{"name": "pr-42"}`),
		Status: runs.StatusWaitingForApproval, RequestedBy: requester.ID, Origin: "UI", TokenHash: tokenHash,
		VisibleToAll: true, Approvers: []string{"approver@example.com", "admin@example.com", "dev2@example.com"},
	}); err != nil {
		t.Fatal(err)
	}
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: workflows.TaskQueue}, runs.WorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	firstRunID := run.GetRunID() // Get below moves run to the chain's last run
	update(t, srv.Client, run.GetID(), runs.UpdateDecide, runs.DecideRequest{Approver: "approver@example.com", Approve: true})
	update(t, srv.Client, run.GetID(), runs.UpdateDecide, runs.DecideRequest{Approver: "admin@example.com", Approve: true})
	update(t, srv.Client, run.GetID(), runs.UpdateDecide, runs.DecideRequest{Approver: "dev2@example.com", Approve: true})
	backend.AwaitCalls(t, 1, 30*time.Second) // both stages approved
	update(t, srv.Client, run.GetID(), runs.UpdateLog, runs.LogRequest{Message: "deploying pr-42"})
	label := "deployed"
	update(t, srv.Client, run.GetID(), runs.UpdateReport, runs.ReportRequest{Status: runs.StatusSuccess, StatusLabel: &label})
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run.Get(waitCtx, nil); err != nil { // follows the chain to its end
		t.Fatalf("the run's workflow: %v", err)
	}

	chain := runChain(t, srv.Client, run.GetID(), firstRunID)
	if len(chain) < 2 {
		t.Fatalf("the run did not continue as new (%d workflow run)", len(chain))
	}
	saved, err := store.Q.GetRun(ctx, runID)
	if err != nil || saved.Status != runs.StatusSuccess || saved.StatusLabel != label {
		t.Fatalf("saved run %s %q %v", saved.Status, saved.StatusLabel, err)
	}
	var notified int
	if err := store.Pool.QueryRow(ctx, "SELECT count(*) FROM notifications WHERE run_id = $1", runID).Scan(&notified); err != nil || notified == 0 {
		t.Fatalf("no notifications recorded (%d, %v)", notified, err)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		old, _ := filepath.Glob(strings.Replace(stagedRunHistory, "%d", "*", 1))
		for _, f := range old {
			_ = os.Remove(f)
		}
		for i, runID := range chain {
			temporaltest.WriteHistory(t, srv.Client, run.GetID(), runID, fmt.Sprintf(stagedRunHistory, i+1))
		}
	}
}

// An entity's expiry, rescheduled once by a signal, fires and expires it.
func TestEntityExpiryOnRealServer(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	srv := serverWithWorker(t, &activities.Activities{Store: store})
	// Entity gone meanwhile: ExpireEntity has nothing to do and succeeds.
	in := workflows.EntityExpiryInput{Blueprint: "env", Identifier: "pr-42", ExpiresAt: time.Now().Add(time.Hour)}
	run, err := srv.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.EntityExpiryID(in.Blueprint, in.Identifier), TaskQueue: workflows.TaskQueue},
		workflows.EntityExpiryName, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Client.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), workflows.SignalReschedule, time.Now().Add(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := run.Get(waitCtx, nil); err != nil {
		t.Fatalf("expiry: %v", err)
	}
	if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
		temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), expiryHistory)
	}
}

// Every committed history replays on today's code: a change that breaks
// determinism for workflows in flight fails here.
func TestEveryCommittedHistoryReplays(t *testing.T) {
	files, err := filepath.Glob("testdata/*history*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no histories: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			r.RegisterWorkflow(workflows.Housekeeping)
			r.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: runs.WorkflowName})
			r.RegisterWorkflowWithOptions(workflows.EntityExpiry, workflow.RegisterOptions{Name: workflows.EntityExpiryName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// The committed histories cover what replay must prove: each workflow
// type, a continue-as-new of each type that continues, multi-stage
// approvals, notifications, for every GetVersion in the code both the
// branch of runs started before it (no marker) and the current version,
// and a run carrying the current CodeVersion.
func TestCommittedHistoriesCoverEveryWorkflowAndVersion(t *testing.T) {
	files, _ := filepath.Glob("testdata/*history*.json")
	type seen struct{ types, continued, markers, activities map[string]bool }
	s := seen{map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}}
	// A history without a version's marker that reached past its call ran
	// the DefaultVersion branch; histories from before versioning have no
	// markers at all.
	noMarkers := map[string]bool{}
	codeVersions := map[int]bool{}
	for _, f := range files {
		events := readEvents(t, f)
		typ := events[0].Attrs.WorkflowType.Name
		s.types[typ] = true
		if typ == runs.WorkflowName && len(events[0].Attrs.Input.Payloads) > 0 {
			var in struct{ CodeVersion int }
			data, _ := base64.StdEncoding.DecodeString(events[0].Attrs.Input.Payloads[0].Data)
			_ = json.Unmarshal(data, &in)
			codeVersions[in.CodeVersion] = true
		}
		markers := 0
		for _, e := range events {
			switch e.Type {
			case "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW":
				s.continued[typ] = true
			case "EVENT_TYPE_MARKER_RECORDED":
				if id, v, ok := versionMarker(e); ok {
					s.markers[id+"="+v] = true
					markers++
				}
				if e.Marker.Name == "LocalActivity" {
					var la struct{ ActivityType string }
					_ = json.Unmarshal([]byte(markerDetail(e, "data")), &la)
					s.activities["activity:"+la.ActivityType] = true
				}
			case "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED":
				s.activities["activity:"+e.Activity.ActivityType.Name] = true
			}
		}
		if markers == 0 {
			noMarkers[typ] = true
		}
	}
	for _, typ := range []string{"Housekeeping", runs.WorkflowName, workflows.EntityExpiryName} {
		if !s.types[typ] {
			t.Errorf("no committed history of %s", typ)
		}
	}
	for _, typ := range []string{"Housekeeping", runs.WorkflowName} {
		if !s.continued[typ] {
			t.Errorf("no committed history of %s continuing as new", typ)
		}
	}
	for _, activity := range []string{"RecordNotice", "SendNotice", "CallWebhook", "ExpireEntity", "DispatchGitHubWorkflow", "PollGitHubRun"} {
		if !s.activities["activity:"+activity] {
			t.Errorf("no committed history runs %s", activity)
		}
	}
	if !noMarkers[runs.WorkflowName] {
		t.Error("no committed run history from before versioning (the DefaultVersion branches)")
	}
	// Every code version since the first (3) changes what runs do, so
	// each keeps a history its branches replay against.
	for v := 3; v <= runs.CodeVersion; v++ {
		if !codeVersions[v] {
			t.Errorf("no committed run history carries CodeVersion %d: record one (SLIPWAY_RECORD_HISTORY=1)", v)
		}
	}
	for _, id := range changeIDs(t) {
		// A run of a later release's starter records the code version it
		// ran as; every other change has version 1.
		want := "1"
		if id == "run-code" {
			want = fmt.Sprint(runs.CodeVersion)
		}
		if !s.markers[id+"="+want] {
			t.Errorf("no committed history takes version %s of %q: record one (SLIPWAY_RECORD_HISTORY=1)", want, id)
		}
	}
}

// changeIDs are the GetVersion change ids in the workflows' code.
func changeIDs(t *testing.T) []string {
	t.Helper()
	sources, _ := filepath.Glob("*.go")
	// Direct calls, the run's per-change calls (takes) and the change id
	// constants (runV2, codeMarker).
	re := regexp.MustCompile(`(?:GetVersion\(ctx, |r\.takes\(ctx, |runV2 = |codeMarker = )"([^"]+)"`)
	var ids []string
	for _, f := range sources {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			ids = append(ids, m[1])
		}
	}
	if len(ids) == 0 {
		t.Fatal("no GetVersion calls found: has the code moved?")
	}
	slices.Sort(ids)
	return ids
}

type historyEvent struct {
	Type  string `json:"eventType"`
	Attrs struct {
		WorkflowType struct{ Name string } `json:"workflowType"`
		Input        struct {
			Payloads []struct {
				Data string `json:"data"`
			} `json:"payloads"`
		} `json:"input"`
	} `json:"workflowExecutionStartedEventAttributes"`
	Activity struct {
		ActivityType struct{ Name string } `json:"activityType"`
	} `json:"activityTaskScheduledEventAttributes"`
	Marker struct {
		Name    string `json:"markerName"`
		Details map[string]struct {
			Payloads []struct {
				Data string `json:"data"`
			} `json:"payloads"`
		} `json:"details"`
	} `json:"markerRecordedEventAttributes"`
	ContinuedAsNew struct {
		NewRunID string `json:"newExecutionRunId"`
	} `json:"workflowExecutionContinuedAsNewEventAttributes"`
}

func readEvents(t *testing.T, path string) []historyEvent {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Events []historyEvent }
	if err := json.Unmarshal(b, &h); err != nil || len(h.Events) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	return h.Events
}

// versionMarker decodes a GetVersion marker: its change id and version.
func versionMarker(e historyEvent) (string, string, bool) {
	if e.Marker.Name != "Version" {
		return "", "", false
	}
	unquote := func(s string) string { return strings.Trim(s, `"`) }
	return unquote(markerDetail(e, "change-id")), unquote(markerDetail(e, "version")), true
}

// markerDetail is the JSON of a marker's detail.
func markerDetail(e historyEvent, key string) string {
	p := e.Marker.Details[key].Payloads
	if len(p) == 0 {
		return ""
	}
	b, _ := base64.StdEncoding.DecodeString(p[0].Data)
	return string(b)
}

// serverWithWorker starts a real Temporal server and a worker with acts
// on it, both stopped when the test ends.
func serverWithWorker(t *testing.T, acts *activities.Activities) *temporaltest.Server {
	t.Helper()
	srv := temporaltest.MustStart(t)
	w := worker.New(srv.Client, acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return srv
}

// runChain follows a workflow's continue-as-new chain from runID and
// returns every run id in order.
func runChain(t *testing.T, c client.Client, workflowID, runID string) []string {
	t.Helper()
	var chain []string
	for runID != "" {
		chain = append(chain, runID)
		iter := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		next := ""
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			if a := e.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				next = a.GetNewExecutionRunId()
			}
		}
		runID = next
	}
	return chain
}

// update sends an update to the workflow's current run and waits for its
// result; an update that lands while the run continues as new is sent again.
func update(t *testing.T, c client.Client, workflowID, name string, arg any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflowID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err == nil {
			return
		}
		if ctx.Err() != nil || !retryableUpdateError(err) {
			t.Fatalf("update %s %v: %v", name, arg, err)
		}
	}
}

func retryableUpdateError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "continued as new") || strings.Contains(msg, "already completed") || strings.Contains(msg, "not found")
}
