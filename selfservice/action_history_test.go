package selfservice_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/audit/audittest"
)

// Every save is a version with its author, newest first; restoring an old
// version is a new save (audited as "restore") whose definition is the old
// one, and it leaves the versions before it as they were.
func TestActionHistoryKeepsEverySaveAndRestoreIsANewSave(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	v1 := action("deploy", "service", webhook, `{}`)
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(v1)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateAction(ctx, f.admin, "deploy", []byte(strings.Replace(v1, `"T"`, `"Second"`, 1))); err != nil {
		t.Fatal(err)
	}
	versions, err := f.svc.ActionVersions(ctx, f.admin, "deploy")
	if err != nil || len(versions) != 2 || versions[0].Version != 2 || versions[1].Version != 1 {
		t.Fatalf("versions after create and update: %+v, %v", versions, err)
	}
	if versions[0].SavedBy != f.admin.Email || versions[0].SavedAt.IsZero() {
		t.Errorf("version 2 author/time: %+v", versions[0])
	}

	if _, err := f.svc.RestoreActionVersion(ctx, f.admin, "deploy", 1); err != nil {
		t.Fatal(err)
	}
	if d, err := f.svc.GetAction(ctx, "deploy"); err != nil || d.Title != "T" {
		t.Fatalf("after restoring version 1: title %q, %v", d.Title, err)
	}
	versions, _ = f.svc.ActionVersions(ctx, f.admin, "deploy")
	if len(versions) != 3 || versions[0].Version != 3 {
		t.Fatalf("restore did not add version 3: %+v", versions)
	}
	v2, err := f.svc.ActionVersionOf(ctx, f.admin, "deploy", 2)
	var second map[string]any
	if err != nil || json.Unmarshal(v2.Definition, &second) != nil || second["title"] != "Second" {
		t.Errorf("version 2 changed by the restore: %s, %v", v2.Definition, err)
	}
	events, _, err := (&audit.Log{Store: f.svc.Store}).List(ctx, f.admin, audit.Filter{ResourceType: audit.ResourceAction, ResourceID: "deploy"})
	if err != nil || len(events) != 3 || events[0].Verb != "restore" || events[0].Actor != f.admin.Email {
		t.Fatalf("audit of the restore: %+v, %v", events, err)
	}
}

// History is the admins': members are refused, a missing version is not
// found, and a refused save writes no version.
func TestActionHistoryIsAdminOnlyAndFollowsOnlyCommittedSaves(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(action("deploy", "service", webhook, `{}`))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ActionVersions(ctx, f.dev, "deploy"); slipway.ErrorCode(err) != slipway.CodePermission {
		t.Errorf("member lists history: %v", err)
	}
	if _, err := f.svc.RestoreActionVersion(ctx, f.dev, "deploy", 1); slipway.ErrorCode(err) != slipway.CodePermission {
		t.Errorf("member restores: %v", err)
	}
	if _, err := f.svc.RestoreActionVersion(ctx, f.admin, "deploy", 9); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("restore of a missing version: %v", err)
	}
	allow := audittest.RefuseEvents(t, f.svc.Store)
	if _, err := f.svc.UpdateAction(ctx, f.admin, "deploy", []byte(strings.Replace(action("deploy", "service", webhook, `{}`), `"T"`, `"X"`, 1))); err == nil {
		t.Fatal("update committed without its audit event")
	}
	allow()
	if versions, _ := f.svc.ActionVersions(ctx, f.admin, "deploy"); len(versions) != 1 {
		t.Errorf("a refused save left a version: %+v", versions)
	}
}

// A draft is checked as a save would check it, and nothing is saved.
func TestCheckDraftNamesFieldsAndSavesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, _, err := f.svc.CheckDraft(ctx, f.admin, "", []byte(action("deploy", "nowhere", webhook, `{}`)))
	if got := fieldOf(err); !strings.HasPrefix(got, "action.trigger.blueprintIdentifier") {
		t.Errorf("unknown blueprint: %s", got)
	}
	if _, _, err := f.svc.CheckDraft(ctx, f.admin, "", []byte(action("deploy", "service", webhook, `{}`))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetAction(ctx, "deploy"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("a checked draft was saved: %v", err)
	}
	if _, _, err := f.svc.CheckDraft(ctx, f.dev, "", []byte(action("deploy", "service", webhook, `{}`))); slipway.ErrorCode(err) != slipway.CodePermission {
		t.Errorf("member checks a draft: %v", err)
	}
}

// A deleted action keeps its history and is listed as deleted; restoring
// its newest version brings it back as a new version.
func TestADeletedActionIsRestoredFromItsHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateAction(ctx, f.admin, []byte(action("deploy", "service", webhook, `{}`))); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteAction(ctx, f.admin, "deploy"); err != nil {
		t.Fatal(err)
	}
	deleted, err := f.svc.DeletedActions(ctx, f.admin)
	if err != nil || len(deleted) != 1 || deleted[0].Identifier != "deploy" || deleted[0].Latest.Version != 1 {
		t.Fatalf("deleted actions: %+v, %v", deleted, err)
	}
	if _, err := f.svc.RestoreActionVersion(ctx, f.admin, "deploy", 1); err != nil {
		t.Fatal(err)
	}
	if d, err := f.svc.GetAction(ctx, "deploy"); err != nil || d.Title != "T" {
		t.Fatalf("restored action: %+v, %v", d, err)
	}
	if versions, _ := f.svc.ActionVersions(ctx, f.admin, "deploy"); len(versions) != 2 || versions[0].Version != 2 {
		t.Errorf("versions after the restore: %+v", versions)
	}
	if deleted, _ := f.svc.DeletedActions(ctx, f.admin); len(deleted) != 0 {
		t.Errorf("still listed as deleted: %+v", deleted)
	}
	if _, err := f.svc.DeletedActions(ctx, f.dev); slipway.ErrorCode(err) != slipway.CodePermission {
		t.Errorf("member lists deleted actions: %v", err)
	}
}
