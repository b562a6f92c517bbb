package db_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// Rows written under each migration, in that migration's schema (explicit
// columns, only those it had), as a release of that time wrote them.
var (
	upgradeAdmin   = uuid.MustParse("00000000-0000-4000-8000-000000000001")
	upgradeMember  = uuid.MustParse("00000000-0000-4000-8000-000000000002")
	upgradeTeam    = uuid.MustParse("00000000-0000-4000-8000-000000000003")
	upgradeToken   = uuid.MustParse("00000000-0000-4000-8000-000000000004")
	upgradeRun     = uuid.MustParse("00000000-0000-4000-8000-000000000005")
	upgradeOldRun  = uuid.MustParse("00000000-0000-4000-8000-000000000006") // written before 006 added visibility
	tokenHash      = []byte("token-hash-0123456789abcdef012345")
	sessionHash    = []byte("session-hash-0123456789abcdef0123")
	upgradeActions = `{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "https://backend.example/hook"}}`
)

var seedsByMigration = map[int32][]struct {
	sql  string
	args []any
}{
	1: {
		{`INSERT INTO users (id, email, name, role) VALUES ($1, 'Ada@Example.com', 'Ada Admin', 'admin'), ($2, 'dev1@example.com', 'Dev One', 'member')`,
			[]any{upgradeAdmin, upgradeMember}},
		{`INSERT INTO teams (id, identifier, name) VALUES ($1, 'payments', 'Payments')`, []any{upgradeTeam}},
		{`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, []any{upgradeTeam, upgradeMember}},
		{`INSERT INTO api_tokens (id, user_id, name, prefix, hash, expires_at) VALUES ($1, $2, 'ci', 'slw_abcd', $3, now() + interval '30 days')`,
			[]any{upgradeToken, upgradeAdmin, tokenHash}},
		{`INSERT INTO sessions (hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 day')`, []any{sessionHash, upgradeMember}},
	},
	2: {
		{`INSERT INTO actions (identifier, blueprint, operation, definition, created_by) VALUES ('deploy', NULL, 'CREATE', $1, $2)`,
			[]any{upgradeActions, upgradeAdmin}},
		{`INSERT INTO runs (id, action_identifier, definition, inputs, status, status_label, links, summary, requested_by, origin, token_hash, log_count, version, ended_at)
		  VALUES ($1, 'deploy', $2, '{"name": "pr-42"}', 'SUCCESS', 'deployed', '["https://ci.example/1"]', 'ok', $3, 'UI', 'run-token-hash-old', 2, 7, now())`,
			[]any{upgradeOldRun, upgradeActions, upgradeMember}},
		{`INSERT INTO run_logs (run_id, seq, message, created_at) VALUES ($1, 1, 'starting', now()), ($1, 2, 'done ✓', now())`, []any{upgradeOldRun}},
	},
	3: {
		{`INSERT INTO blueprints (identifier, definition) VALUES ('service', '{"identifier": "service", "title": "Service", "schema": {"properties": {"tier": {"type": "string"}}}}')`, nil},
		{`INSERT INTO entities (blueprint, identifier, title, team, properties, relations, created_by) VALUES ('service', 'checkout', 'Checkout', 'payments', '{"tier": "gold"}', '{}', $1)`,
			[]any{upgradeAdmin}},
	},
	4: {
		{`INSERT INTO entities (blueprint, identifier, title, properties, expired_at) VALUES ('service', 'old-env', 'Old env', '{}', now())`, nil},
	},
	5: {
		{`INSERT INTO run_entities (run_id, blueprint, identifier, operation) VALUES ($1, 'service', 'checkout', 'UPSERT')`, []any{upgradeOldRun}},
	},
	6: {
		{`INSERT INTO runs (id, action_identifier, blueprint, entity, definition, inputs, status, requested_by, origin, token_hash, visible_to_all, approvers)
		  VALUES ($1, 'deploy', 'service', 'checkout', $2, '{}', 'WAITING_FOR_APPROVAL', $3, 'API', 'run-token-hash-new', false, '{ada@example.com}')`,
			[]any{upgradeRun, upgradeActions, upgradeMember}},
	},
	7: {
		{`INSERT INTO audit_events (actor_id, actor, verb, resource_type, resource_id, run_id, after, origin) VALUES ($1, 'ada@example.com', 'create', 'action', 'deploy', NULL, $2, 'API')`,
			[]any{upgradeAdmin, upgradeActions}},
	},
	8: {
		{`INSERT INTO notifications (user_id, run_id, event, title) VALUES ($1, $2, 'waiting/0', 'deploy waits for you')`, []any{upgradeAdmin, upgradeRun}},
	},
	11: {
		{`INSERT INTO secrets (name, sealed, updated_by) VALUES ('GITHUB_TOKEN', 'slipway:secret:v1:00000000:c2VhbGVk', $1)`, []any{upgradeAdmin}},
	},
}

// Each migration applied to a database holding rows written under the ones
// before it: every row survives every later migration, and today's queries
// read all of them back.
func TestMigrationsUpgradeDataWrittenUnderEarlierVersions(t *testing.T) {
	ctx := context.Background()
	url := emptyDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	m, err := migrate.NewMigrator(ctx, conn, "slipway_schema_version")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadMigrations(os.DirFS("migrations")); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, mig := range m.Migrations {
		if err := m.MigrateTo(ctx, mig.Sequence); err != nil {
			t.Fatalf("migration %s on earlier data: %v", mig.Name, err)
		}
		for table, want := range counts {
			if got := countRows(t, conn, table); got != want {
				t.Fatalf("after %s: %s has %d rows, had %d", mig.Name, table, got, want)
			}
		}
		for _, seed := range seedsByMigration[mig.Sequence] {
			if _, err := conn.Exec(ctx, seed.sql, seed.args...); err != nil {
				t.Fatalf("seed under %s: %v\n%s", mig.Name, err, seed.sql)
			}
		}
		for _, table := range tables(t, conn) {
			counts[table] = countRows(t, conn, table)
		}
	}
	for table, n := range counts {
		if n == 0 {
			t.Errorf("table %s holds no rows written under an earlier migration: add a seed to seedsByMigration for the migration that made it", table)
		}
	}
	// The product's own migrate finds nothing left to do.
	if err := db.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	readBackThroughTodaysQueries(t, store.Q)
}

func readBackThroughTodaysQueries(t *testing.T, q *queries.Queries) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	admin, err := q.GetUserByEmail(ctx, "ada@example.com")
	must("user", err)
	if admin.ID != upgradeAdmin || admin.Role != "admin" {
		t.Errorf("user read back as %+v", admin)
	}
	// Definitions saved before history was kept are each one's version 1.
	versions, err := q.ListActionVersions(ctx, queries.ListActionVersionsParams{ActionIdentifier: "deploy", MaxRows: 10})
	must("action versions", err)
	if len(versions) != 1 || versions[0].Version != 1 || !strings.EqualFold(versions[0].SavedByEmail, "ada@example.com") {
		t.Errorf("action versions %+v", versions)
	}
	teams, err := q.ListTeamsOfUser(ctx, upgradeMember)
	must("teams", err)
	if len(teams) != 1 || teams[0].Identifier != "payments" {
		t.Errorf("teams %+v", teams)
	}
	tok, err := q.GetActiveAPIToken(ctx, tokenHash)
	must("token", err)
	if tok.User.ID != upgradeAdmin || tok.ApiToken.Name != "ci" {
		t.Errorf("token %+v", tok)
	}
	sessionUser, err := q.GetSessionUser(ctx, sessionHash)
	must("session", err)
	if sessionUser.ID != upgradeMember {
		t.Errorf("session user %v", sessionUser.ID)
	}
	action, err := q.GetAction(ctx, "deploy")
	must("action", err)
	if !json.Valid(action.Definition) || !strings.Contains(string(action.Definition), "backend.example") {
		t.Errorf("action definition %s", action.Definition)
	}

	old, err := q.GetRun(ctx, upgradeOldRun)
	must("run written before visibility existed", err)
	// 006 gave rows of its time the defaults: visible to all, no approvers.
	if old.Status != "SUCCESS" || old.StatusLabel != "deployed" || old.Version != 7 || !old.VisibleToAll || old.Approvers == nil || len(old.Approvers) != 0 {
		t.Errorf("old run %+v", old)
	}
	logs, err := q.ListRunLogs(ctx, queries.ListRunLogsParams{RunID: upgradeOldRun, AfterSeq: 0, MaxLines: 10})
	must("logs", err)
	if len(logs) != 2 || logs[1].Message != "done ✓" {
		t.Errorf("logs %+v", logs)
	}
	runEntities, err := q.ListRunEntities(ctx, upgradeOldRun)
	must("run entities", err)
	if len(runEntities) != 1 || runEntities[0].Identifier != "checkout" {
		t.Errorf("run entities %+v", runEntities)
	}
	waiting, err := q.GetRun(ctx, upgradeRun)
	must("run", err)
	if waiting.VisibleToAll || !slices.Equal(waiting.Approvers, []string{"ada@example.com"}) {
		t.Errorf("run visibility %v %v", waiting.VisibleToAll, waiting.Approvers)
	}
	// A member sees their own runs, both the old and the restricted one.
	mine, err := q.ListRuns(ctx, queries.ListRunsParams{RequestedBy: uuid.NullUUID{UUID: upgradeMember, Valid: true},
		ViewerID: uuid.NullUUID{UUID: upgradeMember, Valid: true}, ViewerEmail: new("dev1@example.com"), PageSize: 10})
	must("list runs", err)
	if len(mine) != 2 {
		t.Errorf("the requester lists %d runs, want 2", len(mine))
	}

	bp, err := q.GetBlueprint(ctx, "service")
	must("blueprint", err)
	if !strings.Contains(string(bp.Definition), "tier") {
		t.Errorf("blueprint %s", bp.Definition)
	}
	checkout, err := q.GetEntity(ctx, queries.GetEntityParams{Blueprint: "service", Identifier: "checkout"})
	must("entity", err)
	if checkout.ExpiredAt != nil || checkout.Team == nil || *checkout.Team != "payments" || !strings.Contains(string(checkout.Properties), "gold") {
		t.Errorf("entity %+v", checkout)
	}
	expired, err := q.GetEntity(ctx, queries.GetEntityParams{Blueprint: "service", Identifier: "old-env"})
	must("expired entity", err)
	if expired.ExpiredAt == nil {
		t.Error("expired_at lost")
	}
	events, err := q.ListAuditEvents(ctx, queries.ListAuditEventsParams{PageSize: 10})
	must("audit", err)
	if len(events) != 1 || events[0].Actor != "ada@example.com" || events[0].ResourceID != "deploy" {
		t.Errorf("audit events %+v", events)
	}
	notes, err := q.ListNotifications(ctx, queries.ListNotificationsParams{UserID: upgradeAdmin, PageSize: 10})
	must("notifications", err)
	if len(notes) != 1 || notes[0].RunID != upgradeRun || notes[0].ReadAt != nil {
		t.Errorf("notifications %+v", notes)
	}
	secrets, err := q.ListSecrets(ctx)
	must("secrets", err)
	if len(secrets) != 1 || secrets[0].Name != "GITHUB_TOKEN" || !strings.EqualFold(secrets[0].UpdatedByEmail, "ada@example.com") {
		t.Errorf("secrets %+v", secrets)
	}
}

// emptyDatabase creates a database with no schema on the test server (the
// one pgtest's migrated database lives on), dropped when the test ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	migrated := pgtest.URL(t)
	admin, err := pgx.Connect(ctx, migrated)
	if err != nil {
		t.Fatal(err)
	}
	name := "upgrade_" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		admin.Close(context.Background())
	})
	u, err := url.Parse(migrated)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// tables lists the schema's tables, without tern's version table.
func tables(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT table_name FROM information_schema.tables
	  WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'slipway_schema_version' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func countRows(t *testing.T, conn *pgx.Conn, table string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
