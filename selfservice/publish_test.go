package selfservice_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
)

// An unpublished action is hidden from members and refused to everyone
// who starts a run (the API, not only the portal); admins still read it.
func TestUnpublishedActionsAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	raw := strings.Replace(action("hidden", "service", webhook, "{}"), `"title": "T",`, `"title": "T", "publish": false,`, 1)
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	// The refusal comes before anything is started (the fixture has no
	// Temporal client: reaching the start would panic).
	_, err := f.svc.Execute(ctx, f.admin, "hidden", "", map[string]any{}, runs.OriginAPI)
	var e *slipway.Error
	if !asError(err, &e) || e.Code != slipway.CodePrecondition || e.Field != "action" || !strings.Contains(e.Message, "hidden") || !strings.Contains(e.Message, "publish") {
		t.Errorf("an admin runs an unpublished action: %v", err)
	}
	_, err = f.svc.Execute(ctx, f.dev, "hidden", "", map[string]any{}, runs.OriginAPI)
	_, unknown := f.svc.Execute(ctx, f.dev, "nope", "", map[string]any{}, runs.OriginAPI)
	if got, want := fieldOf(err), strings.ReplaceAll(fieldOf(unknown), "nope", "hidden"); got != want || slipway.ErrorCode(err) != slipway.CodeInvalid {
		t.Errorf("a member runs an unpublished action: %q, an unknown one: %q (the answers must not tell them apart)", got, want)
	}
	if _, err := f.svc.ViewAction(ctx, f.dev, "hidden"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("a member views an unpublished action: %v", err)
	}
	if defs, _ := f.svc.ViewActions(ctx, f.dev, ""); len(defs) != 0 {
		t.Errorf("a member lists %d actions, want none", len(defs))
	}
	if d, err := f.svc.ViewAction(ctx, f.admin, "hidden"); err != nil || d.Identifier != "hidden" {
		t.Errorf("an admin views an unpublished action: %v", err)
	}
	if defs, _ := f.svc.ViewActions(ctx, f.admin, ""); len(defs) != 1 {
		t.Errorf("an admin lists %d actions, want the unpublished one", len(defs))
	}
}

func asError(err error, e **slipway.Error) bool {
	x, ok := err.(*slipway.Error)
	*e = x
	return ok
}
