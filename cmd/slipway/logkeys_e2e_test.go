//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/api/enums/v1"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/testkit"
)

// Issue #9's probe: log lines posted again after a 5xx or a dropped
// connection were stored twice. On the real stack, through Connect and
// Port's REST API: a keyed line is stored once however often and however
// concurrently it is sent, concurrent senders each keep their order, and a
// repeated final status answers success while another is refused.
func TestKeyedLogLinesAndRepeatedStatusOnRealStack(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	backend := testkit.MustBackend(t)
	admin, dev1 := s.Token, cliToken(t, s, "dev1@example.com")
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", admin, fmt.Sprintf(`{"action": {"identifier": "keys",
	  "title": "Keys", "trigger": {"type": "self-service", "operation": "CREATE"}, "invocationMethod": {"type": "WEBHOOK", "url": %q}}}`, backend.URL)); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	started, err := runs.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "keys"}), dev1))
	if err != nil {
		t.Fatal(err)
	}
	id := started.Msg.GetRun().GetId()
	token := backend.AwaitRun(t, id, 30*time.Second).RunToken
	addLog := func(key, message string) (int64, error) {
		res, err := runs.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: message, IdempotencyKey: key}), token))
		if err != nil {
			return 0, err
		}
		return res.Msg.GetSeq(), nil
	}
	portLog := func(header, body string) (int, int64, string) {
		req, _ := http.NewRequest(http.MethodPost, s.PortalURL+"/v1/actions/runs/"+id+"/logs", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set("Idempotency-Key", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var answer struct{ Seq int64 }
		_ = json.Unmarshal(b, &answer)
		return resp.StatusCode, answer.Seq, string(b)
	}

	// The same keyed line five times in a row, then five times at once.
	var seqs []int64
	for range 5 {
		seq, err := addLog("line-1", "building")
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			seq, err := addLog("line-2", "testing")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			seqs = append(seqs, seq)
		})
	}
	wg.Wait()
	if fmt.Sprint(seqs) != "[1 1 1 1 1 2 2 2 2 2]" {
		t.Errorf("keyed Connect sends answered %v", seqs)
	}
	// Port's REST shape: the key as a header or as a body field.
	for i := range 3 {
		if status, seq, body := portLog("line-3", `{"message": "pushing"}`); status != http.StatusCreated || seq != 3 {
			t.Errorf("REST send %d with the header: %d %s", i+1, status, body)
		}
		if status, seq, body := portLog("", `{"message": "tagging", "idempotencyKey": "line-4"}`); status != http.StatusCreated || seq != 4 {
			t.Errorf("REST send %d with the body field: %d %s", i+1, status, body)
		}
	}
	// Connect takes the key as the header too, and a key is one key whichever API sent it.
	viaHeader := withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: "tagging"}), token)
	viaHeader.Header().Set("Idempotency-Key", "line-4")
	if res, err := runs.AddRunLog(ctx, viaHeader); err != nil || res.Msg.GetSeq() != 4 {
		t.Errorf("a Connect send with the header: %v %v", res, err)
	}
	if status, _, body := portLog("line-5", `{"message": "x", "idempotencyKey": "line-6"}`); status != http.StatusBadRequest || !strings.Contains(body, "idempotencyKey") {
		t.Errorf("header and body naming different keys: %d %s", status, body)
	}
	if _, err := addLog(strings.Repeat("k", 300), "x"); connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "idempotencyKey") {
		t.Errorf("an over-long key: %v", err)
	}

	// Concurrent senders, each sending its lines in order and every line
	// twice (a retry): each sender's lines keep its order, none is doubled.
	const senders, perSender = 4, 15
	got := make([][]int64, senders)
	for sender := range senders {
		wg.Go(func() {
			for line := range perSender {
				key, msg := fmt.Sprintf("s%d-%d", sender, line), fmt.Sprintf("sender %d line %d", sender, line)
				first, err1 := addLog(key, msg)
				again, err2 := addLog(key, msg)
				if err1 != nil || err2 != nil || first != again {
					t.Errorf("%s: %d %v, retry %d %v", key, first, err1, again, err2)
				}
				got[sender] = append(got[sender], first)
			}
		})
	}
	wg.Wait()
	for sender, seqs := range got {
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Errorf("sender %d's lines out of order: %v", sender, seqs)
				break
			}
		}
	}

	// The run ends SUCCESS; the backend, unsure, says so again every way.
	success := &slipwayv1.UpdateRunRequest{Id: id, Status: "SUCCESS", StatusLabel: ptr("deployed")}
	if _, err := runs.UpdateRun(ctx, withToken(connect.NewRequest(success), token)); err != nil {
		t.Fatal(err)
	}
	repeatSuccess := func(when string) {
		t.Helper()
		res, err := runs.UpdateRun(ctx, withToken(connect.NewRequest(success), token))
		if err != nil || res.Msg.GetRun().GetStatus() != "SUCCESS" || res.Msg.GetRun().GetStatusLabel() != "deployed" {
			t.Errorf("UpdateRun SUCCESS again %s: %v %v", when, res, err)
		}
		if status, body := sendJSON(t, http.MethodPatch, s.PortalURL+"/v1/actions/runs/"+id, token, `{"status": "SUCCESS"}`); status != http.StatusOK || !strings.Contains(body, `"ok":true`) {
			t.Errorf("PATCH SUCCESS again %s: %d %s", when, status, body)
		}
		if status, seq, body := portLog("", `{"message": "done", "terminationStatus": "SUCCESS"}`); status != http.StatusCreated || seq != 0 {
			t.Errorf("a SUCCESS line again %s: %d %s", when, status, body)
		}
		_, err = runs.UpdateRun(ctx, withToken(connect.NewRequest(&slipwayv1.UpdateRunRequest{Id: id, Status: "FAILURE"}), token))
		assertCode(t, err, connect.CodeFailedPrecondition)
		if status, body := sendJSON(t, http.MethodPatch, s.PortalURL+"/v1/actions/runs/"+id, token, `{"status": "FAILURE"}`); status != http.StatusConflict || !strings.Contains(body, "failed_precondition") {
			t.Errorf("PATCH FAILURE %s: %d %s", when, status, body)
		}
		if _, err := addLog("", "late"); connect.CodeOf(err) != connect.CodeFailedPrecondition {
			t.Errorf("a plain line %s: %v", when, err)
		}
	}
	repeatSuccess("right after the end")
	waitUntil(t, 30*time.Second, "the run's workflow to close", func() bool {
		d, err := s.Client.DescribeWorkflowExecution(ctx, "run-"+id, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING
	})
	repeatSuccess("after the workflow closed")

	// Every line once: 4 + senders×perSender.
	logs, err := runs.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: id}), dev1))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, l := range logs.Msg.GetLogs() {
		if seen[l.GetMessage()] || l.GetSeq() != int64(i+1) {
			t.Errorf("line %d: seq %d %q (twice: %v)", i, l.GetSeq(), l.GetMessage(), seen[l.GetMessage()])
		}
		seen[l.GetMessage()] = true
	}
	if n := len(logs.Msg.GetLogs()); n != 4+senders*perSender {
		t.Errorf("%d lines stored, want %d", n, 4+senders*perSender)
	}
	// One status change, one audit event: the repeats changed nothing.
	audit := slipwayv1connect.NewAuditServiceClient(http.DefaultClient, s.PortalURL)
	events, err := audit.ListAuditEvents(ctx, withToken(connect.NewRequest(&slipwayv1.ListAuditEventsRequest{RunId: id}), admin))
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, e := range events.Msg.GetEvents() {
		if e.GetVerb() == "report" {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("%d report events, want 1", reports)
	}
}

func ptr[T any](v T) *T { return &v }
