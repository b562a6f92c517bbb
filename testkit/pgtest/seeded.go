package pgtest

import (
	"context"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/identity"
)

// MustSeededStore is MustStore with the demo's users and teams
// (identity.SeedDemo): dev1@example.com (team payments), dev2, admin...
func MustSeededStore(tb testing.TB) (*db.Store, *identity.Service) {
	tb.Helper()
	store := MustStore(tb)
	ident := identity.New(store)
	if err := ident.SeedDemo(context.Background()); err != nil {
		tb.Fatalf("seed demo users: %v", err)
	}
	return store, ident
}

// MustUser is the seeded user with email.
func MustUser(tb testing.TB, ident *identity.Service, email string) slipway.User {
	tb.Helper()
	u, err := ident.UserByEmail(context.Background(), email)
	if err != nil {
		tb.Fatalf("user %s: %v", email, err)
	}
	return u
}
