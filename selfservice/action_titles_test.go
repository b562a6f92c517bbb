package selfservice_test

import (
	"context"
	"maps"
	"testing"
)

// Lists of runs name actions by title, read from the stored definitions
// (as ListActions parses them) without parsing each one.
func TestActionTitlesAreTheDefinitionsTitles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(action("titled", "service", webhook, "{}"))); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.ActionTitles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := f.svc.ListActions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, d := range defs {
		want[d.Identifier] = d.Title
	}
	if !maps.Equal(got, want) || got["titled"] != "T" {
		t.Errorf("titles %v, want %v", got, want)
	}
}
