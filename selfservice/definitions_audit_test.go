package selfservice_test

import (
	"context"
	"strings"
	"testing"

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
	for name, change := range changes {
		if err := change(); err == nil || !strings.Contains(err.Error(), audittest.Refused) {
			t.Errorf("%s with its audit event refused: %v; want the refusal", name, err)
		}
	}
	allow()

	if _, err := f.svc.GetAction(ctx, "rollback"); err == nil {
		t.Error("the action created without its audit event exists")
	}
	if d, err := f.svc.GetAction(ctx, "deploy"); err != nil || d.Title != "T" {
		t.Errorf("action deploy after a refused update and delete: %+v, %v", d, err)
	}
}
