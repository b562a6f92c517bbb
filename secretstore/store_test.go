package secretstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/audit/audittest"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
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
	// The list says which secret still needs setting again before the old key goes.
	list, err := f.store.List(ctx, f.admin)
	if err != nil || len(list) != 2 || list[0].KeyID != secrets.KeyID(oldKey) || list[1].KeyID != secrets.KeyID(newKey) {
		t.Errorf("keys of %+v (%v)", list, err)
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

// A definition saved while the secret it names is being deleted: the save
// holds the secret (Hold) until it commits, so the delete waits for it and
// then sees the definition, and refuses.
func TestASecretIsNotDeletedUnderADefinitionBeingSaved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.Set(ctx, f.admin, "CI_TOKEN", "v"); err != nil {
		t.Fatal(err)
	}
	d, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": "https://ci.example/hook", "headers": {"Authorization": "{{ .secrets.CI_TOKEN }}"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := json.Marshal(d)
	held, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	letTheSaveGoOn := func() { releaseOnce.Do(func() { close(release) }) }
	defer letTheSaveGoOn() // also when the test fails before, so that nothing hangs
	saved := make(chan error, 1)
	go func() {
		saved <- f.store.DB.Change(ctx, func(tx db.Tx) error {
			refs, _ := d.SecretRefs()
			if err := secretstore.Hold(ctx, tx, refs, "action."); err != nil {
				return err
			}
			close(held)
			<-release // the delete starts meanwhile
			_, err := tx.CreateAction(ctx, queries.CreateActionParams{Identifier: "deploy", Operation: "CREATE", Definition: stored})
			return err
		})
	}()
	<-held
	deleted := make(chan error, 1)
	go func() { deleted <- f.store.Delete(ctx, f.admin, "CI_TOKEN") }()
	waiting := waitedForLock(f.store.DB)
	letTheSaveGoOn()
	if !waiting {
		t.Error("the delete did not wait for the save's hold on the secret")
	}
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; slipway.ErrorCode(err) != slipway.CodePrecondition || !strings.Contains(err.Error(), "deploy") {
		t.Errorf("the delete racing the save: %v", err)
	}
}

// waitedForLock reports whether a session of store's database comes to
// wait for a lock within a few seconds.
func waitedForLock(store *db.Store) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := store.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		if err == nil && n > 0 {
			return true
		}
		time.Sleep(20 * time.Millisecond) // polling PostgreSQL's view of the sessions: no event to wait on
	}
	return false
}
