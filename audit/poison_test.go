package audit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// A status change whose text carries a NUL, invalid UTF-8 or a huge value
// is still recorded (scrubbed), never dropped with only a log line.
func TestEventsWithPoisonedValuesAreRecorded(t *testing.T) {
	store := pgtest.MustStore(t)
	log := &audit.Log{Store: store}
	run := uuid.NewString()
	ctx := audit.WithRun(context.Background(), run)
	reporter := slipway.User{Email: "run:" + run}
	note(t, store, ctx, reporter, "report", audit.ResourceRun, run, nil, map[string]any{"statusLabel": "deploying\x00 caf\xe9"})
	note(t, store, ctx, reporter, "report", audit.ResourceRun, run, json.RawMessage(`{"raw":"\u0000"}`), map[string]any{"summary": strings.Repeat("x", 3<<20)})
	if err := audit.RecordAlone(ctx, store, audit.Event{Actor: "dev1\x00@example.com", Verb: "report", ResourceType: audit.ResourceRun, ResourceID: strings.Repeat("r", 5000)}); err != nil {
		t.Errorf("Record with a NUL actor and a 5,000-byte resource id: %.300v", err)
	}

	events, _, err := log.List(context.Background(), admin, audit.Filter{RunID: run})
	if err != nil || len(events) != 3 {
		t.Fatalf("%d events of the run, %v; want all 3", len(events), err)
	}
	var after map[string]any
	_ = json.Unmarshal(events[2].After.(json.RawMessage), &after)
	if after["statusLabel"] != "deploying\uFFFD caf\uFFFD" {
		t.Errorf("first event's after %v", after)
	}
	if events[0].Actor != "dev1\uFFFD@example.com" || len(events[0].ResourceID) > 2000 {
		t.Errorf("third event %q on %d bytes", events[0].Actor, len(events[0].ResourceID))
	}
}

// Values PostgreSQL refuses for good leave the event recorded without them,
// in the change's own transaction: the change and the rest of its event
// still commit.
func TestRefusedValuesAreLeftOutNotTheEvent(t *testing.T) {
	store := pgtest.MustStore(t)
	ctx := context.Background()
	if _, err := store.Pool.Exec(ctx, `ALTER TABLE audit_events ADD CONSTRAINT test_refuses_values CHECK (NOT coalesce(after ? 'refused', false))`); err != nil {
		t.Fatal(err)
	}
	err := store.Change(ctx, func(tx db.Tx) error {
		if _, err := tx.UpsertTeam(ctx, queries.UpsertTeamParams{Identifier: "sre", Name: "SRE"}); err != nil {
			return err
		}
		return audit.Note(ctx, tx, admin, "create", "team", "sre", nil, map[string]any{"refused": true})
	})
	if err != nil {
		t.Fatalf("a change whose event's values are refused: %v", err)
	}
	if _, err := store.Q.GetTeam(ctx, "sre"); err != nil {
		t.Errorf("the change did not commit: %v", err)
	}
	events, _, err := (&audit.Log{Store: store}).List(ctx, admin, audit.Filter{ResourceID: "sre"})
	if err != nil || len(events) != 1 || events[0].Verb != "create" {
		t.Fatalf("events %+v, %v; want the create", events, err)
	}
	if after := string(events[0].After.(json.RawMessage)); !strings.Contains(after, "notRecorded") {
		t.Errorf("after %s; want why the values are missing", after)
	}
}
