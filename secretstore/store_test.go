package secretstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/audit/audittest"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

type fixture struct {
	store         *secretstore.Store
	admin, member slipway.User
	audit         *audit.Log
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, ident := pgtest.MustSeededStore(t)
	return &fixture{store: &secretstore.Store{DB: db, Keys: testkit.Keyring(t, nil)}, audit: &audit.Log{Store: db},
		admin: pgtest.MustUser(t, ident, identity.DemoAdminEmail), member: pgtest.MustUser(t, ident, "dev1@example.com")}
}

func TestSecretsAreSetListedAndDeletedByAdminsWithoutTheirValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if s, err := f.store.Set(ctx, f.admin, "GITHUB_TOKEN", "ghp-first"); err != nil || s.UpdatedBy != identity.DemoAdminEmail || s.UpdatedAt.IsZero() {
		t.Fatal(err)
	}
	if _, err := f.store.Set(ctx, f.admin, "GITHUB_TOKEN", "ghp-second"); err != nil { // replaces
		t.Fatal(err)
	}
	list, err := f.store.List(ctx, f.admin)
	if err != nil || len(list) != 1 || list[0].Name != "GITHUB_TOKEN" || list[0].UpdatedBy != identity.DemoAdminEmail || list[0].UpdatedAt.IsZero() {
		t.Fatalf("list %+v (%v)", list, err)
	}
	got, err := f.store.Open(ctx, []string{"GITHUB_TOKEN", "MISSING"})
	if err != nil || len(got) != 1 || got["GITHUB_TOKEN"] != "ghp-second" {
		t.Fatalf("open %v (%v)", got, err)
	}
	var sealed string
	if err := f.store.DB.Pool.QueryRow(ctx, `SELECT sealed FROM secrets`).Scan(&sealed); err != nil || strings.Contains(sealed, "ghp-") {
		t.Errorf("stored as %q (%v)", sealed, err)
	}
	if err := f.store.Delete(ctx, f.admin, "GITHUB_TOKEN"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Delete(ctx, f.admin, "GITHUB_TOKEN"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("deleting it again: %v", err)
	}
	events, _, err := f.audit.List(ctx, f.admin, audit.Filter{ResourceType: secretstore.ResourceSecret})
	if err != nil || len(events) != 3 {
		t.Fatalf("audit events %+v (%v)", events, err)
	}
	for _, e := range events {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "ghp-") || e.ResourceID != "GITHUB_TOKEN" || e.Actor != identity.DemoAdminEmail {
			t.Errorf("audit event %s", b)
		}
	}
	if events[0].Verb != "delete" || events[1].Verb != "set" {
		t.Errorf("verbs %s, %s", events[0].Verb, events[1].Verb)
	}
}

func TestMembersManageNoSecrets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.Set(ctx, f.admin, "TOKEN", "v"); err != nil {
		t.Fatal(err)
	}
	_, listErr := f.store.List(ctx, f.member)
	_, setErr := f.store.Set(ctx, f.member, "TOKEN", "mine")
	for what, err := range map[string]error{
		"set": setErr, "list": listErr, "delete": f.store.Delete(ctx, f.member, "TOKEN"),
	} {
		if slipway.ErrorCode(err) != slipway.CodePermission {
			t.Errorf("a member may %s: %v", what, err)
		}
	}
	if got, _ := f.store.Open(ctx, []string{"TOKEN"}); got["TOKEN"] != "v" {
		t.Errorf("after a member's attempts the secret is %q", got["TOKEN"])
	}
}

func TestBadNamesAndValuesAreRefusedNamingTheRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct{ name, value, field, says string }{
		{"github-token", "v", "name", "letters, digits and _"},
		{"9LIVES", "v", "name", "start with a letter or _"},
		{"", "v", "name", "{{ .secrets.NAME }}"},
		{"TOKEN", "", "value", "is required"},
		{"TOKEN", strings.Repeat("x", secretstore.MaxValueBytes+1), "value", "at most"},
	} {
		_, err := f.store.Set(ctx, f.admin, c.name, c.value)
		var e *slipway.Error
		if !errors.As(err, &e) || e.Code != slipway.CodeInvalid || e.Field != c.field || !strings.Contains(e.Message, c.says) {
			t.Errorf("set %q: %v", c.name, err)
		}
	}
}

// The change and its audit event commit together: with the audit log
// refusing, no secret is stored.
func TestASecretWhoseEventCannotBeRecordedIsNotStored(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	allow := audittest.RefuseEvents(t, f.store.DB)
	if _, err := f.store.Set(ctx, f.admin, "TOKEN", "v"); err == nil || !strings.Contains(err.Error(), audittest.Refused) {
		t.Fatalf("set with the audit log refusing: %v", err)
	}
	allow()
	if list, _ := f.store.List(ctx, f.admin); len(list) != 0 {
		t.Errorf("stored without its event: %+v", list)
	}
}

// Key rotation: secrets sealed before it open with the old key among
// SLIPWAY_ENCRYPTION_KEYS_OLD, setting one again seals it with the new
// key, and a secret whose key was dropped fails to open naming the secret.
func TestStoredSecretsSurviveKeyRotation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	oldKey, newKey := testkit.NewKey(t), testkit.NewKey(t)
	f.store.Keys = testkit.Keyring(t, oldKey)
	for _, name := range []string{"KEPT", "RESET"} {
		if _, err := f.store.Set(ctx, f.admin, name, "before-"+name); err != nil {
			t.Fatal(err)
		}
	}
	f.store.Keys = testkit.Keyring(t, newKey, oldKey) // rotated: SLIPWAY_ENCRYPTION_KEYS_OLD holds the old key
	got, err := f.store.Open(ctx, []string{"KEPT", "RESET"})
	if err != nil || got["KEPT"] != "before-KEPT" || got["RESET"] != "before-RESET" {
		t.Fatalf("after rotation: %v (%v)", got, err)
	}
	if _, err := f.store.Set(ctx, f.admin, "RESET", "after"); err != nil {
		t.Fatal(err)
	}
	f.store.Keys = testkit.Keyring(t, newKey) // the old key dropped
	if got, err := f.store.Open(ctx, []string{"RESET"}); err != nil || got["RESET"] != "after" {
		t.Errorf("a secret set after rotation: %v (%v)", got, err)
	}
	_, err = f.store.Open(ctx, []string{"KEPT"})
	if !errors.Is(err, secrets.ErrUnknownKey) || !strings.Contains(err.Error(), "KEPT") || strings.Contains(err.Error(), "before-") {
		t.Errorf("a secret sealed with a dropped key: %v", err)
	}
}

// Definitions name secrets that exist; a secret in use is not deleted.
func TestDefinitionsAndTheSecretsTheyName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	svc := &selfservice.Service{Store: f.store.DB, Catalog: &catalog.Service{Store: f.store.DB}}
	def := func(id string) []byte {
		return []byte(`{"identifier": "` + id + `", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
		  "invocationMethod": {"type": "WEBHOOK", "url": "https://ci.example/hook", "headers": {"Authorization": "Bearer {{ .secrets.CI_TOKEN }}"}}}`)
	}
	_, err := svc.CreateAction(ctx, f.admin, def("deploy"))
	var e *slipway.Error
	if !errors.As(err, &e) || e.Code != slipway.CodeInvalid || e.Field != "action.invocationMethod.headers.Authorization" || !strings.Contains(e.Message, "CI_TOKEN") {
		t.Fatalf("a definition naming a missing secret: %v", err)
	}
	if _, err := f.store.Set(ctx, f.admin, "CI_TOKEN", "v"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"deploy", "rollback"} {
		if _, err := svc.CreateAction(ctx, f.admin, def(id)); err != nil {
			t.Fatal(err)
		}
	}
	err = f.store.Delete(ctx, f.admin, "CI_TOKEN")
	if slipway.ErrorCode(err) != slipway.CodePrecondition || !strings.Contains(err.Error(), "deploy, rollback") {
		t.Fatalf("deleting a secret in use: %v", err)
	}
	for _, id := range []string{"deploy", "rollback"} {
		if err := svc.DeleteAction(ctx, f.admin, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.Delete(ctx, f.admin, "CI_TOKEN"); err != nil {
		t.Errorf("deleting a secret no longer used: %v", err)
	}
	plain := strings.Replace(string(def("plain")), "{{ .secrets.CI_TOKEN }}", "literal", 1)
	if _, err := svc.CreateAction(ctx, f.admin, []byte(plain)); err != nil {
		t.Fatal(err)
	}
	_, err = svc.UpdateAction(ctx, f.admin, "plain", def("plain"))
	if !errors.As(err, &e) || e.Code != slipway.CodeInvalid || e.Field != "action.invocationMethod.headers.Authorization" {
		t.Errorf("an update naming a deleted secret: %v", err)
	}
}
