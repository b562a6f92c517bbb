package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

var admin = slipway.User{ID: uuid.New(), Email: "admin@example.com", Role: slipway.RoleAdmin}

func TestRecordFilterAndPage(t *testing.T) {
	store := pgtest.MustStore(t)
	log := &audit.Log{Store: store}
	ctx := audit.WithOrigin(context.Background(), audit.OriginUI)
	run := uuid.NewString()
	note(t, store, ctx, admin, "create", audit.ResourceAction, "deploy", nil, map[string]any{"title": "Deploy"})
	note(t, store, ctx, admin, "update", audit.ResourceAction, "deploy", map[string]any{"title": "Deploy"}, map[string]any{"title": "Deploy!"})
	note(t, store, audit.WithRun(context.Background(), run), slipway.User{}, "delete", audit.ResourceEntity, "environment/pr-1", map[string]any{"x": 1}, nil)
	for i := range 5 {
		note(t, store, context.Background(), slipway.User{ID: uuid.New(), Email: "dev1@example.com"}, "execute", audit.ResourceRun, uuid.NewString(), nil, map[string]any{"i": i})
	}

	all, next, err := log.List(context.Background(), admin, audit.Filter{})
	if err != nil || len(all) != 8 || next != "" {
		t.Fatalf("%d events, next %q, %v", len(all), next, err)
	}
	if all[0].ID <= all[1].ID {
		t.Error("not newest first")
	}
	actions, _, _ := log.List(context.Background(), admin, audit.Filter{ResourceType: audit.ResourceAction, ResourceID: "deploy"})
	if len(actions) != 2 || actions[0].Verb != "update" || actions[0].Origin != audit.OriginUI || actions[0].Actor != "admin@example.com" {
		t.Fatalf("action events %+v", actions)
	}
	var before, after map[string]any
	_ = json.Unmarshal(actions[0].Before.(json.RawMessage), &before)
	_ = json.Unmarshal(actions[0].After.(json.RawMessage), &after)
	if before["title"] != "Deploy" || after["title"] != "Deploy!" {
		t.Errorf("before %v after %v", before, after)
	}
	byRun, _, _ := log.List(context.Background(), admin, audit.Filter{RunID: run})
	if len(byRun) != 1 || byRun[0].Actor != audit.ActorSlipway || byRun[0].Origin != audit.OriginAutomation || byRun[0].After != nil {
		t.Fatalf("run events %+v", byRun)
	}
	byActor, _, _ := log.List(context.Background(), admin, audit.Filter{Actor: "dev1@example.com"})
	if len(byActor) != 5 {
		t.Errorf("dev1 has %d events", len(byActor))
	}
	future, _, _ := log.List(context.Background(), admin, audit.Filter{Since: time.Now().Add(time.Hour)})
	if len(future) != 0 {
		t.Errorf("%d events in the future", len(future))
	}

	// Pages of 3 walk all 8 events once each.
	seen := map[int64]bool{}
	token := ""
	for page := 0; ; page++ {
		events, next, err := log.List(context.Background(), admin, audit.Filter{PageSize: 3, PageToken: token})
		if err != nil || page > 3 {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, e := range events {
			if seen[e.ID] {
				t.Fatalf("event %d twice", e.ID)
			}
			seen[e.ID] = true
		}
		if next == "" {
			break
		}
		token = next
	}
	if len(seen) != 8 {
		t.Errorf("paging saw %d events", len(seen))
	}
}

func TestOnlyAdminsReadAndBadFiltersAreNamed(t *testing.T) {
	log := &audit.Log{Store: pgtest.MustStore(t)}
	_, _, err := log.List(context.Background(), slipway.User{Email: "dev1@example.com", Role: slipway.RoleMember}, audit.Filter{})
	if slipway.ErrorCode(err) != slipway.CodePermission {
		t.Errorf("member reading the log: %v", err)
	}
	for field, f := range map[string]audit.Filter{
		"run_id":     {RunID: "nope"},
		"page_token": {PageToken: "!!"},
		"until":      {Since: time.Now(), Until: time.Now().Add(-time.Hour)},
	} {
		_, _, err := log.List(context.Background(), admin, f)
		var e *slipway.Error
		if slipway.ErrorCode(err) != slipway.CodeInvalid || !errors.As(err, &e) || e.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// Nothing, not even SQL run with Slipway's own credentials, changes or
// removes a recorded event.
func TestEventsAreAppendOnly(t *testing.T) {
	store := pgtest.MustStore(t)
	log := &audit.Log{Store: store}
	note(t, store, context.Background(), admin, "create", audit.ResourceAction, "deploy", nil, nil)
	for _, sql := range []string{
		`UPDATE audit_events SET actor = 'someone-else'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
	} {
		_, err := store.Pool.Exec(context.Background(), sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", sql, err)
		}
	}
	events, _, _ := log.List(context.Background(), admin, audit.Filter{})
	if len(events) != 1 || events[0].Actor != "admin@example.com" {
		t.Errorf("events after tampering: %+v", events)
	}
}

// note records one event in a transaction of its own.
func note(t *testing.T, store *db.Store, ctx context.Context, actor slipway.User, verb, resourceType, resourceID string, before, after any) {
	t.Helper()
	err := store.Change(ctx, func(tx db.Tx) error {
		return audit.Note(ctx, tx, actor, verb, resourceType, resourceID, before, after)
	})
	if err != nil {
		t.Fatalf("record %s %s/%s: %v", verb, resourceType, resourceID, err)
	}
}
