//go:build !slipway_lean

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
)

// Calls that race on one run, on the real stack: whatever order Temporal
// and PostgreSQL put them in, exactly the outcomes that can coexist do,
// the run ends in one final status, and its row holds the workflow's
// final state. One stack for all of them keeps `make test` short.
func TestRacesOnOneRun(t *testing.T) {
	s := mustStartDev(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	be := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{}`)) // a sync run succeeds at once
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	approverTok, devTok := cliToken(t, s, "approver@example.com"), cliToken(t, s, "dev1@example.com")
	action := func(identifier, approval string, synchronized bool) {
		t.Helper()
		def := fmt.Sprintf(`{"action": {"identifier": %q, "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": %t}%s}}`, identifier, be.URL, synchronized, approval)
		if status, body := postJSON(t, s.PortalURL+"/slipway.v1.ActionService/CreateAction", s.Token, def); status != http.StatusOK {
			t.Fatalf("create action %s: %d %s", identifier, status, body)
		}
	}
	start := func(identifier string) string {
		t.Helper()
		res, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: identifier}), devTok))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg.GetRun().GetId()
	}
	approve := func(id, token string) func() error {
		return func() error {
			_, err := api.ApproveRun(ctx, withToken(connect.NewRequest(&slipwayv1.ApproveRunRequest{Id: id}), token))
			return err
		}
	}
	const rounds = 3
	twoApprovers := `, "approvers": {"users": ["approver@example.com", "admin@example.com"]}`
	action("race_any", `, "requiredApproval": {"type": "ANY"}`+twoApprovers, true)
	action("race_all", `, "requiredApproval": {"type": "ALL"}`+twoApprovers, true)
	action("race_ttl", `, "requiredApproval": true, "approvalTtl": "2s"`+twoApprovers, true)
	action("race_async", "", false)

	// Both approvers approve at once: with ANY one decision wins and the
	// other is refused, with ALL both count; the backend runs once.
	twoApprove := func(t *testing.T, action string, counted int) {
		for range rounds {
			id := start(action)
			errs := together(approve(id, approverTok), approve(id, s.Token))
			if won := wins(t, errs); won != counted {
				t.Fatalf("%d approvals counted, want %d: %v", won, counted, errs)
			}
			if st := finalState(t, s, id); st.Status != runs.StatusSuccess || len(st.Decisions) != counted || len(be.CallsOf(id)) != 1 {
				t.Errorf("run %s: %s with %d decisions, backend called %d times", id, st.Status, len(st.Decisions), len(be.CallsOf(id)))
			}
		}
	}
	t.Run("two approvers at once, ANY: one decision wins", func(t *testing.T) { twoApprove(t, "race_any", 1) })
	t.Run("two approvers at once, ALL: both count", func(t *testing.T) { twoApprove(t, "race_all", 2) })

	t.Run("approve and decline at once, ANY: one decision wins", func(t *testing.T) {
		for range rounds {
			id := start("race_any")
			decline := func() error {
				_, err := api.DeclineRun(ctx, withToken(connect.NewRequest(&slipwayv1.DeclineRunRequest{Id: id, Reason: "no"}), s.Token))
				return err
			}
			errs := together(approve(id, approverTok), decline)
			if won := wins(t, errs); won != 1 {
				t.Fatalf("%d decisions won, want exactly one: %v", won, errs)
			}
			st := finalState(t, s, id)
			want, calls := runs.StatusSuccess, 1
			if errs[0] != nil {
				want, calls = runs.StatusDeclined, 0
			}
			if st.Status != want || len(st.Decisions) != 1 || len(be.CallsOf(id)) != calls {
				t.Errorf("run %s: %s with %d decisions, backend called %d times; want %s, called %d", id, st.Status, len(st.Decisions), len(be.CallsOf(id)), want, calls)
			}
		}
	})

	t.Run("approve against the TTL expiring", func(t *testing.T) {
		// Approvals aimed around the 2 s deadline: each either lands (the
		// backend runs once) or is refused (the run expired, no backend call).
		offsets := []time.Duration{-300 * time.Millisecond, -100 * time.Millisecond, 0, 50 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond}
		var wg sync.WaitGroup
		ids, errs := make([]string, len(offsets)), make([]error, len(offsets))
		for i, offset := range offsets {
			ids[i] = start("race_ttl")
			deadline := time.Now().Add(2*time.Second + offset)
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Until(deadline)) // the race itself: aiming at the deadline
				errs[i] = approve(ids[i], approverTok)()
			}()
		}
		wg.Wait()
		var landed int
		for i, id := range ids {
			if errs[i] == nil {
				landed++
			}
			st := finalState(t, s, id)
			switch {
			case errs[i] == nil && st.Status == runs.StatusSuccess && len(be.CallsOf(id)) == 1:
			case connect.CodeOf(errs[i]) == connect.CodeFailedPrecondition && st.Status == runs.StatusExpired && len(be.CallsOf(id)) == 0:
			default:
				t.Errorf("approval at deadline%+v: %v, run %s, backend called %d times", offsets[i], errs[i], st.Status, len(be.CallsOf(id)))
			}
		}
		t.Logf("%d of %d approvals aimed at the deadline landed, the others found the run expired", landed, len(ids))
	})

	t.Run("cancel against a final status report", func(t *testing.T) {
		for range rounds {
			id := start("race_async")
			token := be.AwaitRun(t, id, 30*time.Second).RunToken
			cancel := func() error {
				_, err := api.CancelRun(ctx, withToken(connect.NewRequest(&slipwayv1.CancelRunRequest{Id: id, Reason: "stop"}), devTok))
				return err
			}
			report := func() error {
				_, err := api.UpdateRun(ctx, withToken(connect.NewRequest(&slipwayv1.UpdateRunRequest{Id: id, Status: "SUCCESS"}), token))
				return err
			}
			errs := together(cancel, report)
			if won := wins(t, errs); won != 1 {
				t.Fatalf("%d final statuses won, want exactly one: %v", won, errs)
			}
			want := runs.StatusCancelled
			if errs[0] != nil {
				want = runs.StatusSuccess
			}
			if st := finalState(t, s, id); st.Status != want {
				t.Errorf("run %s ended %s, but the call that won set %s", id, st.Status, want)
			}
		}
	})

	t.Run("concurrent log senders keep their own order", func(t *testing.T) {
		const senders, lines = 8, 25
		id := start("race_async")
		token := be.AwaitRun(t, id, 30*time.Second).RunToken
		seqs := make([][]int64, senders)
		parallel(t, senders, senders, func(k int) error {
			for j := range lines {
				res, err := api.AddRunLog(ctx, withToken(connect.NewRequest(&slipwayv1.AddRunLogRequest{Id: id, Message: fmt.Sprintf("sender %d line %d", k, j)}), token))
				if err != nil {
					return err
				}
				seqs[k] = append(seqs[k], res.Msg.GetSeq())
			}
			return nil
		})
		if _, err := api.UpdateRun(ctx, withToken(connect.NewRequest(&slipwayv1.UpdateRunRequest{Id: id, Status: "SUCCESS"}), token)); err != nil {
			t.Fatal(err)
		}
		st := finalState(t, s, id)
		stored := map[string]int64{}
		var after int64
		for {
			page, err := api.ListRunLogs(ctx, withToken(connect.NewRequest(&slipwayv1.ListRunLogsRequest{Id: id, AfterSeq: after}), s.Token))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range page.Msg.GetLogs() {
				if _, twice := stored[l.GetMessage()]; twice {
					t.Errorf("line %q stored twice", l.GetMessage())
				}
				stored[l.GetMessage()] = l.GetSeq()
			}
			after = page.Msg.GetNextAfterSeq()
			if !page.Msg.GetHasMore() {
				break
			}
		}
		if len(stored) != senders*lines || st.LogCount != senders*lines {
			t.Fatalf("%d lines stored, log count %d, want %d", len(stored), st.LogCount, senders*lines)
		}
		for k := range senders {
			if !slices.IsSorted(seqs[k]) {
				t.Errorf("sender %d got seqs out of its order: %v", k, seqs[k])
			}
			for j, seq := range seqs[k] {
				if got := stored[fmt.Sprintf("sender %d line %d", k, j)]; got != seq {
					t.Errorf("sender %d line %d: answered seq %d, stored as %d", k, j, seq, got)
				}
			}
		}
	})
}

// together runs the calls at the same moment and returns their errors in order.
func together(calls ...func() error) []error {
	errs := make([]error, len(calls))
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			errs[i] = call()
		}()
	}
	close(ready)
	wg.Wait()
	return errs
}

// wins counts the calls that succeeded; every other one must have been
// refused as failed_precondition (the run had moved on), nothing else.
func wins(t *testing.T, errs []error) int {
	t.Helper()
	var n int
	for _, err := range errs {
		switch {
		case err == nil:
			n++
		case connect.CodeOf(err) != connect.CodeFailedPrecondition:
			t.Errorf("a losing call failed with %v, want failed_precondition", err)
		}
	}
	return n
}

// finalState waits for the run's workflow to close and returns its final
// state, after checking that the run's row holds that same state.
func finalState(t *testing.T, s *devStack, id string) runs.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client.GetWorkflow(ctx, runs.WorkflowID(id), "").Get(ctx, nil); err != nil {
		t.Fatalf("run %s workflow: %v", id, err)
	}
	v, err := s.Client.QueryWorkflow(ctx, runs.WorkflowID(id), "", runs.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var st runs.State
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	var row struct {
		status    runs.Status
		label     string
		ended     *time.Time
		logCount  int64
		approvals []byte
	}
	if err := s.store().Pool.QueryRow(ctx, "SELECT status, status_label, ended_at, log_count, approvals FROM runs WHERE id = $1", id).
		Scan(&row.status, &row.label, &row.ended, &row.logCount, &row.approvals); err != nil {
		t.Fatal(err)
	}
	var decisions []runs.Decision
	_ = json.Unmarshal(row.approvals, &decisions)
	if !st.Status.Ended() || row.status != st.Status || row.label != st.StatusLabel || row.ended == nil ||
		row.logCount != st.LogCount || len(decisions) != len(st.Decisions) {
		t.Errorf("run %s: row %s %q ended %v, %d lines, %d decisions; workflow %s %q, %d lines, %d decisions",
			id, row.status, row.label, row.ended, row.logCount, len(decisions), st.Status, st.StatusLabel, st.LogCount, len(st.Decisions))
	}
	return st
}
