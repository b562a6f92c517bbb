package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/audit/audittest"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// A run's row and its audit event commit together: when PostgreSQL refuses
// the event, the save fails (Temporal retries it) and the row is unchanged.
func TestRunSavesWhoseAuditEventIsRefusedDoNotHappen(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	id := storedRun(t, store)
	dev, err := identity.New(store).UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{Store: store}
	allow := audittest.RefuseEvents(t, store)

	ended := time.Now()
	err = a.SaveRun(ctx, activities.SaveRunInput{RunID: id.String(), Version: 2, Status: "SUCCESS", StatusLabel: "done", EndedAt: &ended})
	if err == nil || !strings.Contains(err.Error(), audittest.Refused) {
		t.Errorf("SaveRun of the end with its audit event refused: %v; want the refusal", err)
	}
	token, _ := identity.NewRunToken()
	rec := runs.Record{
		RunID: uuid.NewString(), Action: actions.Definition{Identifier: "deploy"}, Status: "IN_PROGRESS",
		RequesterID: dev.ID.String(), RequesterEmail: dev.Email, Origin: "API", RunToken: token, CreatedAt: time.Now().UTC(),
	}
	if err := a.RecordRun(ctx, rec); err == nil || !strings.Contains(err.Error(), audittest.Refused) {
		t.Errorf("RecordRun with its audit event refused: %v; want the refusal", err)
	}
	allow()

	row, err := store.Q.GetRun(ctx, id)
	if err != nil || row.Status != "IN_PROGRESS" || row.EndedAt != nil || row.Version != 0 {
		t.Errorf("run row after a refused end: %s ended %v version %d, %v", row.Status, row.EndedAt, row.Version, err)
	}
	if _, err := store.Q.GetRun(ctx, uuid.MustParse(rec.RunID)); err == nil {
		t.Error("the run recorded without its execute event has a row")
	}

	// Once the log takes events again, the retried save writes both.
	if err := a.SaveRun(ctx, activities.SaveRunInput{RunID: id.String(), Version: 2, Status: "SUCCESS", StatusLabel: "done", EndedAt: &ended}); err != nil {
		t.Fatalf("retried SaveRun: %v", err)
	}
	var ends int
	if err := store.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE run_id = $1 AND verb = 'end'", id).Scan(&ends); err != nil || ends != 1 {
		t.Errorf("%d end events after the retried save (%v); want 1", ends, err)
	}
}
