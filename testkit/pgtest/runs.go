package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// EndedRun stores a run of action that requester started and that ended
// SUCCESS, with log lines "line 1" ... "line N" (seq 1..N), straight in the
// database: tests of reading runs need no workflow (an ended run's page and
// logs are served from its row).
func EndedRun(tb testing.TB, store *db.Store, requester uuid.UUID, action string, lines int) uuid.UUID {
	tb.Helper()
	ctx := context.Background()
	id := InProgressRun(tb, store, requester, action)
	now := time.Now()
	seqs, messages, times := make([]int64, lines), make([]string, lines), make([]time.Time, lines)
	for i := range lines {
		seqs[i], messages[i], times[i] = int64(i+1), fmt.Sprintf("line %d", i+1), now
	}
	if err := store.Q.InsertRunLogs(ctx, queries.InsertRunLogsParams{RunID: id, Seqs: seqs, Messages: messages, Times: times}); err != nil {
		tb.Fatalf("insert run logs: %v", err)
	}
	if _, err := store.Q.SaveRunState(ctx, queries.SaveRunStateParams{
		ID: id, Status: "SUCCESS", Links: []byte(`[]`), Approvals: []byte(`[]`),
		LogCount: int64(lines), Version: 1, EndedAt: &now,
	}); err != nil {
		tb.Fatalf("end run: %v", err)
	}
	return id
}

// InProgressRun stores the row of a run in progress, as ExecuteAction
// does before its workflow starts: a workflow test's activities write to it.
func InProgressRun(tb testing.TB, store *db.Store, requester uuid.UUID, action string) uuid.UUID {
	tb.Helper()
	id := uuid.New()
	tokenHash := make([]byte, 32)
	_, _ = rand.Read(tokenHash)
	if _, err := store.Q.CreateRun(context.Background(), queries.CreateRunParams{
		ID: id, ActionIdentifier: action, Definition: []byte(`{}`), Inputs: []byte(`{}`),
		Status: "IN_PROGRESS", RequestedBy: requester, Origin: "API", TokenHash: tokenHash, Approvers: []string{},
	}); err != nil {
		tb.Fatalf("create run: %v", err)
	}
	return id
}
