package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// storedRun makes a run row in progress, as ExecuteAction does, on a
// database with the demo users.
func storedRun(t *testing.T, store *db.Store) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	dev, err := ident.UserByEmail(ctx, "dev1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, hash := identity.NewRunToken()
	id := uuid.New()
	if _, err := store.Q.CreateRun(ctx, queries.CreateRunParams{
		ID: id, ActionIdentifier: "deploy", Definition: []byte(`{}`), Inputs: []byte(`{}`), Status: "IN_PROGRESS",
		RequestedBy: dev.ID, Origin: audit.OriginAPI, TokenHash: hash, VisibleToAll: true, Approvers: []string{},
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// execute runs one attempt of an activity as the worker would. An error is
// acceptable only if it is non-retryable: Temporal would otherwise retry
// the same poisoned value for ever.
func execute(t *testing.T, a *activities.Activities, fn any, in any) error {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	_, err := env.ExecuteActivity(fn, in)
	return err
}

func nonRetryable(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.NonRetryable()
}

// A NUL byte or invalid UTF-8 that a request put into a run's log, label,
// summary, links or approvals reaches the row, scrubbed: the final state is
// stored, the run leaves the active list, and the end is audited.
func TestPoisonedValuesReachTheRunRow(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	id := storedRun(t, store)
	log := &audit.Log{Store: store}
	a := &activities.Activities{Store: store}
	now := time.Now()

	err := execute(t, a, a.AppendRunLogs, activities.AppendRunLogsInput{RunID: id.String(), Lines: []runs.LogLine{
		{Seq: 1, Message: "starting", At: now}, {Seq: 2, Message: "bad\x00line", At: now}, {Seq: 3, Message: "caf\xe9", At: now},
	}})
	if err != nil {
		t.Fatalf("AppendRunLogs with a NUL line: %v (retried for ever)", err)
	}
	lines, err := store.Q.ListRunLogs(ctx, queries.ListRunLogsParams{RunID: id, AfterSeq: 0, MaxLines: 10})
	if err != nil || len(lines) != 3 || lines[1].Message != "bad\uFFFDline" || lines[2].Message != "caf\uFFFD" {
		t.Fatalf("stored lines %+v, %v", lines, err)
	}

	ended := now
	err = execute(t, a, a.SaveRun, activities.SaveRunInput{
		RunID: id.String(), Version: 5, Status: "SUCCESS", StatusLabel: "done\x00", Summary: "sum\x00mary\xff",
		ExternalRunID: "ext\x00", Links: []string{"https://ci.example/\x00"}, LogCount: 3, EndedAt: &ended,
		Approvals: []runs.Decision{{Approver: "approver@example.com", Reason: "ok\x00"}},
	})
	if err != nil {
		t.Fatalf("SaveRun of the final state with a NUL: %v (retried for ever)", err)
	}
	row, err := store.Q.GetRun(ctx, id)
	if err != nil || row.Status != "SUCCESS" || row.EndedAt == nil || row.StatusLabel != "done\uFFFD" || row.Summary != "sum\uFFFDmary\uFFFD" {
		t.Fatalf("run row %s %q %q ended %v, %v", row.Status, row.StatusLabel, row.Summary, row.EndedAt, err)
	}
	var links []string
	if _ = json.Unmarshal(row.Links, &links); len(links) != 1 || links[0] != "https://ci.example/\uFFFD" {
		t.Errorf("links %s", row.Links)
	}
	active, err := store.Q.ListRuns(ctx, queries.ListRunsParams{ActiveOnly: true, PageSize: 10})
	if err != nil || len(active) != 0 {
		t.Errorf("active runs %d, %v; want none", len(active), err)
	}
	events, _, err := log.List(ctx, slipway.User{Role: slipway.RoleAdmin}, audit.Filter{RunID: id.String()})
	if err != nil || len(events) != 1 || events[0].Verb != "end" {
		t.Fatalf("audit events of the run %+v, %v; want its end", events, err)
	}
	if after := string(events[0].After.(json.RawMessage)); !strings.Contains(after, `done\ufffd`) && !strings.Contains(after, "done\uFFFD") {
		t.Errorf("end event %s", after)
	}

	err = execute(t, a, a.RecordNotice, activities.RecordNoticeInput{Notice: notifications.Notice{
		RunID: id.String(), Event: "ended", Title: "deploy: SUCCESS\x00", Body: "done\x00", Recipients: []string{"dev1@example.com"},
	}})
	if err != nil {
		t.Fatalf("RecordNotice with a NUL: %v", err)
	}
	var title string
	if err := store.Pool.QueryRow(ctx, "SELECT title FROM notifications WHERE run_id = $1", id).Scan(&title); err != nil || title != "deploy: SUCCESS\uFFFD" {
		t.Errorf("notification %q, %v", title, err)
	}
}

// What no scrubbing can fix (here: the run row is gone) ends the activity
// at once, non-retryable, instead of retrying for ever.
func TestPermanentStorageErrorsAreNotRetried(t *testing.T) {
	store := pgtest.MustStore(t)
	a := &activities.Activities{Store: store}
	err := execute(t, a, a.AppendRunLogs, activities.AppendRunLogsInput{RunID: uuid.NewString(), Lines: []runs.LogLine{
		{Seq: 1, Message: "orphan", At: time.Now()},
	}})
	if !nonRetryable(err) {
		t.Errorf("AppendRunLogs without a run row: %v, want a non-retryable error", err)
	}
	err = execute(t, a, a.RecordNotice, activities.RecordNoticeInput{Notice: notifications.Notice{
		RunID: uuid.NewString(), Event: "ended", Title: "t", Recipients: []string{"nobody@example.com"},
	}})
	if err != nil {
		t.Errorf("RecordNotice to an unknown recipient: %v", err) // skipped, as before
	}
	err = execute(t, a, a.SaveRun, activities.SaveRunInput{RunID: "not-a-uuid", Version: 1, Status: "SUCCESS"})
	if !nonRetryable(err) {
		t.Errorf("SaveRun of a malformed run id: %v, want a non-retryable error", err)
	}
}

// An UPSERT_ENTITY run whose mapping yields a value PostgreSQL refuses (a
// NUL in a property) fails at once, non-retryable, with a reason for the
// run's label: entities are not scrubbed, that would write another entity.
func TestAnUnstorableEntityFailsTheUpsertAtOnce(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	storedRun(t, store)
	admin, err := identity.New(store).UserByEmail(ctx, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	cat := &catalog.Service{Store: store}
	adminUser := slipway.User{ID: admin.ID, Email: admin.Email, Role: slipway.RoleAdmin}
	if _, err := cat.CreateBlueprint(ctx, adminUser, []byte(`{"identifier": "service", "schema": {"properties": {"note": {"type": "string"}}}}`)); err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{Store: store, Catalog: cat}
	err = execute(t, a, a.UpsertMappedEntity, activities.UpsertMappedEntityInput{
		Blueprint: "service", Requester: admin.ID.String(), Data: json.RawMessage(`{"inputs": {"note": "a\u0000b"}}`),
		Mapping: actions.EntityMapping{Identifier: "svc-1", Properties: map[string]any{"note": "{{ .inputs.note }}"}},
	})
	if !nonRetryable(err) {
		t.Fatalf("upsert of an entity with a NUL: %v, want a non-retryable error", err)
	}
	if strings.Contains(err.Error(), "SQLSTATE") {
		t.Errorf("the run's label would show the database's text: %v", err)
	}
}
