package workflows_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/workflows"
)

// formRulesHistory is a CodeVersion 5 run whose form has rules over .form and .user.
const formRulesHistory = "testdata/run_form_rules_5_history.json"

// From CodeVersion 5 the run workflow checks the inputs again with the
// form's rules (actions.ApplyForm), over the .user its starter recorded:
// inputs that keep them run; inputs that break them (which no starter of
// this release lets through) end the run before its backend is called.
// Runs of CodeVersion 4 keep checking the schema alone.
func TestRunChecksFormRulesAgain(t *testing.T) {
	ctx := context.Background()
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	calls := 0
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status": "SUCCESS"}`)
	}))
	defer backend.Close()
	def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "provision", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {
	    "size": {"type": "string", "enum": ["small", "large"]},
	    "budget": {"type": "string", "visible": {"jqQuery": ".form.size == \"large\""}},
	    "requester": {"type": "string", "enum": {"jqQuery": "[.user.email]"}}},
	    "required": {"jqQuery": "if .form.size == \"large\" then [\"budget\"] else [] end"}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}`, backend.URL))
	if err != nil {
		t.Fatal(err)
	}
	srv := temporaltest.MustStart(t)
	startWorker(t, srv, store)
	user := &actions.FormUser{ID: dev1.String(), Email: "dev1@example.com", Name: "Dev One", Role: "member", Roles: []string{"member"}, Teams: []string{"payments"}}
	for _, tc := range []struct {
		name        string
		codeVersion int
		inputs      map[string]any
		want        runs.Status
		history     string
	}{
		{"rules kept", runs.CodeVersion, map[string]any{"size": "large", "budget": "1k", "requester": "dev1@example.com"}, runs.StatusSuccess, formRulesHistory},
		{"jq required broken", runs.CodeVersion, map[string]any{"size": "large", "requester": "dev1@example.com"}, runs.StatusFailure, ""},
		{"jq enum over .user broken", runs.CodeVersion, map[string]any{"size": "small", "requester": "mallory@example.com"}, runs.StatusFailure, ""},
		{"CodeVersion 4 checks the schema only", 4, map[string]any{"size": "small", "requester": "mallory@example.com"}, runs.StatusSuccess, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := runs.Input{
				RunID: uuid.NewString(), Action: def, Inputs: tc.inputs,
				Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com", Name: "Dev One"}, FormUser: user, Origin: "API",
				RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
				CodeVersion: tc.codeVersion,
			}
			before := calls
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
			row, err := store.Q.GetRun(ctx, uuid.MustParse(in.RunID))
			if err != nil {
				t.Fatal(err)
			}
			if runs.Status(row.Status) != tc.want {
				t.Errorf("status %s (%s), want %s", row.Status, row.StatusLabel, tc.want)
			}
			if tc.want == runs.StatusFailure && (calls != before || !strings.Contains(row.StatusLabel, "invalid inputs")) {
				t.Errorf("a run breaking its form's rules: label %q, backend calls %d (want none)", row.StatusLabel, calls-before)
			}
			if tc.history != "" && os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
				temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), tc.history)
			}
		})
	}
}
