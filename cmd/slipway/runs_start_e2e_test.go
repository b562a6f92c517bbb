//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/gen/queries"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/worker"
	"github.com/slipwayhq/slipway/workflows"
)

// crashed stands for a process killed at a crash point.
type crashed struct{ point string }

// Idempotency keys on every edge, and starts stopped at each crash point
// (as a killed process would stop them): no run is lost or doubled.
func TestExecuteIsIdempotentAndCrashSafe(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"status": "SUCCESS", "statusLabel": "shipped"}`))
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.CatalogService/CreateBlueprint", s.Token, `{"blueprint": {"identifier": "service", "schema": {"properties": {}}}}`); status != http.StatusOK {
		t.Fatalf("create blueprint: %d %s", status, body)
	}
	def := fmt.Sprintf(`{"action": {"identifier": "ship", "title": "Ship",
	  "trigger": {"type": "self-service", "operation": "CREATE", "blueprintIdentifier": "service",
	    "userInputs": {"properties": {"tag": {"type": "string"}}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL+"/hook")
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	dev1Tok, dev2Tok := cliToken(t, s, "dev1@example.com"), cliToken(t, s, "dev2@example.com")
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	execute := func(tok, key, header, tag string) (*connect.Response[slipwayv1.ExecuteActionResponse], error) {
		req := withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "ship", IdempotencyKey: key, Properties: mustStruct(t, map[string]any{"tag": tag})}), tok)
		if header != "" {
			req.Header().Set("Idempotency-Key", header)
		}
		return runsAPI.ExecuteAction(ctx, req)
	}
	mustExecute := func(tok, key, header, tag string) (id string, replayed bool) {
		t.Helper()
		resp, err := execute(tok, key, header, tag)
		if err != nil {
			t.Fatalf("execute with key %q / header %q: %v", key, header, err)
		}
		return resp.Msg.GetRun().GetId(), resp.Header().Get("Idempotent-Replayed") == "true"
	}
	ended := func(id string) bool {
		row, err := s.db.Q.GetRun(ctx, uuid.MustParse(id))
		return err == nil && row.EndedAt != nil
	}

	// The field, then the header, then both: one run.
	first, replayed := mustExecute(dev1Tok, "k1", "", "v1")
	if replayed {
		t.Error("a first call says it was replayed")
	}
	for _, c := range []struct{ key, header string }{{"k1", ""}, {"", "k1"}, {"k1", "k1"}} {
		if id, replayed := mustExecute(dev1Tok, c.key, c.header, "v1"); id != first || !replayed {
			t.Errorf("key %q header %q: run %s (replayed %v), want %s again", c.key, c.header, id, replayed, first)
		}
	}
	// Another user's same key is another run.
	if id, _ := mustExecute(dev2Tok, "k1", "", "v1"); id == first {
		t.Error("two users' same key gave one run")
	}
	// The same key for another request is refused, naming the key.
	_, err := execute(dev1Tok, "k1", "", "v2")
	assertCode(t, err, connect.CodeAlreadyExists)
	if !strings.Contains(err.Error(), "idempotency_key") {
		t.Errorf("reused key: %v", err)
	}
	_, err = execute(dev1Tok, "k2", "k3", "v1")
	assertCode(t, err, connect.CodeInvalidArgument)
	_, err = execute(dev1Tok, strings.Repeat("k", 257), "", "v1")
	assertCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "idempotencyKey: must be at most 256 characters") {
		t.Errorf("long key: %v", err)
	}
	_, err = execute(dev1Tok, "", strings.Repeat("k", 257), "v1")
	assertCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "Idempotency-Key") {
		t.Errorf("long header: %v", err)
	}

	// Ten at once with one key: one run, one backend call.
	ids := make(chan string, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			resp, err := execute(dev1Tok, "burst", "", "v1")
			if err != nil {
				t.Errorf("concurrent execute: %v", err)
				ids <- ""
				return
			}
			ids <- resp.Msg.GetRun().GetId()
		})
	}
	wg.Wait()
	close(ids)
	burst := ""
	for id := range ids {
		if burst == "" {
			burst = id
		}
		if id != burst {
			t.Errorf("concurrent calls with one key started %s and %s", burst, id)
		}
	}

	// Port's REST execute honours the header, and shares keys with the Connect API.
	portExecute := func(key, body string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.PortalURL+"/v1/actions/ship/runs", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+dev1Tok)
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out struct {
			Run struct {
				ID string `json:"id"`
			} `json:"run"`
		}
		_ = json.Unmarshal(b, &out)
		return resp.StatusCode, out.Run.ID, resp.Header.Get("Idempotent-Replayed") + " " + string(b)
	}
	status, portRun, _ := portExecute("p1", `{"properties": {"tag": "v1"}}`)
	if status != http.StatusAccepted || portRun == "" {
		t.Fatalf("port execute: %d", status)
	}
	if status, id, info := portExecute("p1", `{"properties": {"tag": "v1"}}`); status != http.StatusAccepted || id != portRun || !strings.HasPrefix(info, "true ") {
		t.Errorf("port retry: %d %s %s, want %s replayed", status, id, info, portRun)
	}
	if status, id, _ := portExecute("k1", `{"properties": {"tag": "v1"}}`); status != http.StatusAccepted || id != first {
		t.Errorf("port with the Connect call's key: %d %s, want %s", status, id, first)
	}
	if status, _, info := portExecute("p1", `{"properties": {"tag": "v2"}}`); status != http.StatusConflict || !strings.Contains(info, "idempotency_key") {
		t.Errorf("port reusing a key: %d %s", status, info)
	}

	// Crash points: a start stopped at each leaves no run or one that proceeds.
	dev1Row, err := s.db.Q.GetUserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	dev1 := slipway.User{ID: dev1Row.ID, Email: dev1Row.Email, Name: dev1Row.Name, Role: slipway.Role(dev1Row.Role)}
	crashAt := func(point, key string) {
		t.Helper()
		svc := newSelfService(s.db, s.Client, newCatalog(s.db, s.Client))
		svc.CrashPoint = func(p string) {
			if p == point {
				panic(crashed{p})
			}
		}
		defer func() {
			if r := recover(); r != (crashed{point}) {
				t.Fatalf("start did not stop at %s: %v", point, r)
			}
		}()
		_, err := svc.ExecuteWithKey(ctx, dev1, "ship", "", map[string]any{"tag": "v1"}, runs.OriginAPI, key)
		t.Fatalf("start went past %s: %v", point, err)
	}
	for _, c := range []struct {
		point string
		// proceeds: the run exists and proceeds without its starter.
		proceeds bool
	}{
		{selfservice.CrashBeforeStart, false},
		{selfservice.CrashAfterStart, true},
		{selfservice.CrashAfterRow, true},
	} {
		key := "crash-" + c.point
		crashAt(c.point, key)
		id := selfservice.KeyedRunID(dev1.ID, key).String()
		if !c.proceeds {
			if _, err := s.db.Q.GetRun(ctx, uuid.MustParse(id)); !errors.Is(err, pgx.ErrNoRows) {
				t.Errorf("%s left a row: %v", c.point, err)
			}
			var notFound *serviceerror.NotFound
			if _, err := s.Client.DescribeWorkflowExecution(ctx, runs.WorkflowID(id), ""); !errors.As(err, &notFound) {
				t.Errorf("%s left a workflow: %v", c.point, err)
			}
		} else {
			waitUntil(t, 30*time.Second, "the run started before "+c.point+" to end", func() bool { return ended(id) })
		}
		// The caller retries with its key: the run it may have started, or a new one.
		got, replayed := mustExecute(dev1Tok, key, "", "v1")
		if got != id || replayed != c.proceeds {
			t.Errorf("retry after %s: run %s (replayed %v), want %s (replayed %v)", c.point, got, replayed, id, c.proceeds)
		}
		waitUntil(t, 30*time.Second, "the run to end", func() bool { return ended(id) })
		if n := len(backend.CallsOf(id)); n != 1 {
			t.Errorf("after %s the backend was called %d times for run %s, want once", c.point, n, id)
		}
	}
	waitUntil(t, 30*time.Second, "the burst's run to end", func() bool { return ended(burst) })
	if n := len(backend.CallsOf(burst)); n != 1 {
		t.Errorf("ten calls with one key: the backend was called %d times, want once", n)
	}
}

// Rows an older version left without a workflow: GetRun and CancelRun tell
// the truth about them, and the reconciler ends the ones nobody reads.
func TestRunsWithoutWorkflowAreEndedTruthfully(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	// The reconciler would end the orphans below in a round of its own
	// between their writing and the reads that check GetRun and CancelRun:
	// it is held until the test's last part, which is about it.
	var notFound *serviceerror.NotFound
	if err := s.Client.TerminateWorkflow(ctx, workflows.RunReconcilerWorkflowID, "", "the test holds the reconciler"); err != nil && !errors.As(err, &notFound) {
		t.Fatal(err)
	}
	dev1Tok := cliToken(t, s, "dev1@example.com")
	dev1, err := s.db.Q.GetUserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	orphan := func(age time.Duration) string {
		t.Helper()
		id, created := uuid.New(), time.Now().Add(-age)
		if _, err := s.db.Q.CreateRun(ctx, queries.CreateRunParams{
			ID: id, ActionIdentifier: "deploy", Definition: []byte(`{}`), Inputs: []byte(`{}`), Status: runs.StatusInProgress,
			RequestedBy: dev1.ID, Origin: "API", TokenHash: identity.HashRunToken("slr_" + id.String()), Approvers: []string{},
			VisibleToAll: true, CreatedAt: &created,
		}); err != nil {
			t.Fatal(err)
		}
		return id.String()
	}
	runsAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	cancel := func(id string) (*slipwayv1.Run, error) {
		resp, err := runsAPI.CancelRun(ctx, withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: id, Reason: "stuck"}), dev1Tok))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetRun(), nil
	}

	// Cancelling one cancels it, where it used to say "the run has ended".
	run, err := cancel(orphan(5 * time.Minute))
	if err != nil {
		t.Fatalf("cancel an orphan: %v", err)
	}
	if runs.Status(run.GetStatus()) != runs.StatusCancelled || run.GetStatusLabel() != "cancelled by dev1@example.com: stuck" || run.GetEndedAt() == nil {
		t.Errorf("cancelled orphan %s %q", run.GetStatus(), run.GetStatusLabel())
	}
	_, err = cancel(run.GetId())
	assertCode(t, err, connect.CodeFailedPrecondition)
	if !strings.Contains(err.Error(), "CANCELLED") {
		t.Errorf("cancelling twice: %v", err)
	}
	// Reading one says it is lost, and ends it so.
	read := orphan(5 * time.Minute)
	got, err := runsAPI.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: read}), dev1Tok))
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Msg.GetRun(); runs.Status(r.GetStatus()) != runs.StatusFailure || r.GetStatusLabel() != runs.LabelNeverStarted || r.GetEndedAt() == nil {
		t.Errorf("read orphan %s %q", r.GetStatus(), r.GetStatusLabel())
	}
	// One an older starter may still start is left alone, and says so.
	_, err = cancel(orphan(0))
	assertCode(t, err, connect.CodeUnavailable)
	// The reconciler ends those nobody reads, within its interval.
	unread := orphan(5 * time.Minute)
	if err := worker.StartRunReconciler(ctx, s.Client, workflows.RunReconcilerInput{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 45*time.Second, "the reconciler to end an unread orphan", func() bool {
		row, err := s.db.Q.GetRun(ctx, uuid.MustParse(unread))
		return err == nil && row.EndedAt != nil
	})
	row, _ := s.db.Q.GetRun(ctx, uuid.MustParse(unread))
	if row.Status != runs.StatusFailure || row.StatusLabel != runs.LabelNeverStarted {
		t.Errorf("reconciled orphan %s %q", row.Status, row.StatusLabel)
	}
}
