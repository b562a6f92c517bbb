package identity_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func seeded(t *testing.T) *identity.Service {
	t.Helper()
	svc := identity.New(pgtest.MustStore(t))
	if err := svc.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestSeedIsIdempotentAndPutsDevelopersInOneTeam(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	users, err := svc.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != len(identity.DemoUsers) {
		t.Fatalf("got %d users, want %d", len(users), len(identity.DemoUsers))
	}
	d1, err := svc.UserByEmail(ctx, "DEV1@example.com")
	if err != nil {
		t.Fatalf("lookup is case-insensitive: %v", err)
	}
	d2, _ := svc.UserByEmail(ctx, "dev2@example.com")
	if len(d1.Teams) != 1 || len(d2.Teams) != 1 || d1.Teams[0].ID != d2.Teams[0].ID {
		t.Errorf("developers should share one team: %+v %+v", d1.Teams, d2.Teams)
	}
	admin, _ := svc.UserByEmail(ctx, identity.DemoAdminEmail)
	if !admin.IsAdmin() {
		t.Errorf("admin role = %q", admin.Role)
	}
	if _, err := svc.UserByEmail(ctx, "nobody@example.com"); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("unknown user: got %v, want not_found", err)
	}
}

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)
	dev, _ := svc.UserByEmail(ctx, "dev1@example.com")

	tok, secret, err := svc.CreateToken(ctx, dev.ID, "ci", 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.AuthenticateToken(ctx, secret)
	if err != nil || got.ID != dev.ID {
		t.Fatalf("authenticate: %v %+v", err, got)
	}
	// The token's user comes with its teams, as UserByEmail has them.
	if !reflect.DeepEqual(got.Teams, dev.Teams) || len(got.Teams) != 1 {
		t.Errorf("token's user teams %+v, want %+v", got.Teams, dev.Teams)
	}
	// Use is recorded once a minute at most, the first use at once.
	if list, _ := svc.Tokens(ctx, dev.ID); len(list) != 1 || list[0].LastUsedAt == nil {
		t.Errorf("first use not recorded: %+v", list)
	}
	if _, err := svc.AuthenticateToken(ctx, secret+"x"); !identity.IsBadCredentials(err) {
		t.Errorf("tampered token: got %v", err)
	}

	other, _ := svc.UserByEmail(ctx, "dev2@example.com")
	if err := svc.RevokeToken(ctx, &other, tok.ID); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("another member revoking: got %v, want not_found", err)
	}
	if err := svc.RevokeToken(ctx, &dev, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateToken(ctx, secret); !identity.IsBadCredentials(err) {
		t.Errorf("revoked token still works: %v", err)
	}
	if err := svc.RevokeToken(ctx, &dev, tok.ID); slipway.ErrorCode(err) != slipway.CodeNotFound {
		t.Errorf("second revoke: got %v", err)
	}
	list, _ := svc.Tokens(ctx, dev.ID)
	if len(list) != 1 || list[0].RevokedAt == nil {
		t.Errorf("listing should show the revoked token: %+v", list)
	}
}

func TestTokenValidationNamesTheField(t *testing.T) {
	t.Parallel()
	svc := seeded(t)
	dev, _ := svc.UserByEmail(context.Background(), "dev1@example.com")
	_, _, err := svc.CreateToken(context.Background(), dev.ID, "  ", 0)
	var e *slipway.Error
	if err == nil || !errors.As(err, &e) || e.Field != "name" || e.Code != slipway.CodeInvalid {
		t.Fatalf("got %v", err)
	}
}

func TestExpiredTokenIsRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)
	dev, _ := svc.UserByEmail(ctx, "dev1@example.com")
	_, secret, err := svc.CreateToken(ctx, dev.ID, "short", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := svc.AuthenticateToken(ctx, secret); !identity.IsBadCredentials(err) {
		t.Errorf("expired token accepted: %v", err)
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)
	dev, _ := svc.UserByEmail(ctx, "dev1@example.com")
	cookie, err := svc.CreateSession(ctx, dev.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := svc.SessionUser(ctx, cookie); err != nil || u.Email != dev.Email {
		t.Fatalf("session user: %v %+v", err, u)
	}
	if _, err := svc.AuthenticateToken(ctx, cookie); !identity.IsBadCredentials(err) {
		t.Error("a session cookie must not work as an API token")
	}
	if err := svc.EndSession(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SessionUser(ctx, cookie); !identity.IsBadCredentials(err) {
		t.Errorf("ended session still valid: %v", err)
	}
}

func TestEnsureDevTokenKeepsAndReplaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)
	path := filepath.Join(t.TempDir(), "dev-token")
	first, err := svc.EnsureDevToken(ctx, path, identity.DemoAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := svc.EnsureDevToken(ctx, path, identity.DemoAdminEmail)
	if again != first {
		t.Error("a valid dev token should be kept across restarts")
	}
	admin, _ := svc.UserByEmail(ctx, identity.DemoAdminEmail)
	toks, _ := svc.Tokens(ctx, admin.ID)
	if err := svc.RevokeToken(ctx, nil, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	replaced, _ := svc.EnsureDevToken(ctx, path, identity.DemoAdminEmail)
	if replaced == first {
		t.Error("a revoked dev token should be replaced")
	}
	if _, err := svc.AuthenticateToken(ctx, replaced); err != nil {
		t.Errorf("replacement does not authenticate: %v", err)
	}
}

func TestUpsertUserValidatesEachField(t *testing.T) {
	t.Parallel()
	svc := seeded(t)
	ctx := context.Background()
	for _, c := range []struct{ email, name, role, field string }{
		{"not-an-email", "X", "member", "email"},
		{"x@example.com", " ", "member", "name"},
		{"x@example.com", "X", "owner", "role"},
	} {
		_, err := svc.UpsertUser(ctx, c.email, c.name, slipway.Role(c.role))
		var e *slipway.Error
		if !errors.As(err, &e) || e.Field != c.field || e.Code != slipway.CodeInvalid {
			t.Errorf("%+v: got %v, want invalid %s", c, err, c.field)
		}
	}
	u, err := svc.UpsertUser(ctx, "DEV1@example.com", "Renamed", slipway.RoleAdmin)
	if err != nil || u.Name != "Renamed" || !u.IsAdmin() || len(u.Teams) != 1 {
		t.Fatalf("updating an existing user (case-insensitive email): %+v %v", u, err)
	}
}
