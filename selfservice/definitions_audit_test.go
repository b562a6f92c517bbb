package selfservice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/audit/audittest"
)

// A definition change and its audit event commit together: when
// PostgreSQL refuses the event, the change fails and leaves nothing behind.
func TestDefinitionChangesWhoseAuditEventIsRefusedDoNotHappen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(action("deploy", "service", webhook, `{}`))); err != nil {
		t.Fatal(err)
	}

	allow := audittest.RefuseEvents(t, f.svc.Store)
	changes := map[string]func() error{
		"create": func() error {
			_, err := f.svc.CreateAction(ctx, f.admin, []byte(action("rollback", "service", webhook, `{}`)))
			return err
		},
		"update": func() error {
			_, err := f.svc.UpdateAction(ctx, f.admin, "deploy", []byte(strings.Replace(action("deploy", "service", webhook, `{}`), `"T"`, `"Changed"`, 1)))
			return err
		},
		"delete": func() error { return f.svc.DeleteAction(ctx, f.admin, "deploy") },
	}
	audittest.EachRefused(t, changes)
	allow()

	if _, err := f.svc.GetAction(ctx, "rollback"); err == nil {
		t.Error("the action created without its audit event exists")
	}
	if d, err := f.svc.GetAction(ctx, "deploy"); err != nil || d.Title != "T" {
		t.Errorf("action deploy after a refused update and delete: %+v, %v", d, err)
	}
}

// Deleting a blueprint and creating an action naming it do not interleave:
// the action waits for the delete and is then refused, instead of naming
// a blueprint that no longer exists.
func TestADefinitionNamingABlueprintBeingDeletedIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	store := f.svc.Store
	deleting, err := store.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer deleting.Rollback(ctx)
	// A blueprint delete in progress: its row locked, as DeleteBlueprint does.
	if _, err := deleting.Exec(ctx, `SELECT 1 FROM blueprints WHERE identifier = 'service' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	created := make(chan error, 1)
	go func() {
		_, err := f.svc.CreateAction(ctx, f.admin, []byte(action("deploy", "service", webhook, `{}`)))
		created <- err
	}()
	// Until the create has either finished or is waiting for the lock.
	var finished, waiting bool
	var result error
	for !finished && !waiting {
		select {
		case result = <-created:
			finished = true
		default:
			if err := store.Pool.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_stat_activity
			  WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond) // polling the condition above
		}
	}
	if _, err := deleting.Exec(ctx, `DELETE FROM blueprints WHERE identifier = 'service'`); err != nil {
		t.Fatal(err)
	}
	if err := deleting.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if !finished {
		result = <-created
	}
	if got := fieldOf(result); !strings.Contains(got, "action.trigger.blueprintIdentifier") {
		t.Errorf("creating an action while its blueprint is deleted: %s; want it refused naming the blueprint", got)
	}
}
