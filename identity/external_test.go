package identity_test

import (
	"context"
	"slices"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/identity"
)

func teamIdentifiers(u slipway.User) []string {
	var out []string
	for _, t := range u.Teams {
		out = append(out, t.Identifier)
	}
	return out
}

func TestSignInExternalCreatesUsersAndFollowsTheProvidersGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)

	// Unknown groups are ignored and no team is created for them.
	u, err := svc.SignInExternal(ctx, identity.ExternalLogin{
		Email: "New.Person@example.com", Name: "New Person", Groups: []string{"Payments", "unknown", "payments"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "New Person" || u.Role != slipway.RoleMember || !slices.Equal(teamIdentifiers(u), []string{"payments"}) {
		t.Fatalf("first sign-in: %+v", u)
	}
	if teams, _ := svc.Teams(ctx); len(teams) != 2 {
		t.Errorf("sign-in created teams: %+v", teams)
	}

	// The same person, by another spelling of the email, moves teams.
	again, err := svc.SignInExternal(ctx, identity.ExternalLogin{Email: "new.person@example.com", Groups: []string{"platform"}})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != u.ID || again.Name != "New Person" || !slices.Equal(teamIdentifiers(again), []string{"platform"}) {
		t.Fatalf("second sign-in: %+v", again)
	}

	// No groups at all leaves every team.
	none, err := svc.SignInExternal(ctx, identity.ExternalLogin{Email: "new.person@example.com"})
	if err != nil || len(none.Teams) != 0 {
		t.Fatalf("no groups: %+v %v", none, err)
	}

	// Without an admin group the role is Slipway's to decide.
	admin, err := svc.SignInExternal(ctx, identity.ExternalLogin{Email: identity.DemoAdminEmail, Groups: []string{"platform"}})
	if err != nil || !admin.IsAdmin() || admin.Name != "Ada Admin" {
		t.Fatalf("seeded admin lost role or name: %+v %v", admin, err)
	}
}

func TestSignInExternalAdminGroupDecidesTheRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)
	promoted, err := svc.SignInExternal(ctx, identity.ExternalLogin{
		Email: "dev1@example.com", Groups: []string{"Slipway-Admins"}, AdminGroup: "slipway-admins",
	})
	if err != nil || !promoted.IsAdmin() {
		t.Fatalf("member of the admin group: %+v %v", promoted, err)
	}
	demoted, err := svc.SignInExternal(ctx, identity.ExternalLogin{
		Email: identity.DemoAdminEmail, Groups: []string{"platform"}, AdminGroup: "slipway-admins",
	})
	if err != nil || demoted.IsAdmin() {
		t.Fatalf("admin outside the admin group: %+v %v", demoted, err)
	}
	if _, err := svc.SignInExternal(ctx, identity.ExternalLogin{Email: "not-an-email"}); slipway.ErrorCode(err) != slipway.CodeInvalid {
		t.Errorf("bad email: %v", err)
	}
}

func TestUpsertTeamLetsGroupsCount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := seeded(t)
	if _, err := svc.UpsertTeam(ctx, "Not Valid", ""); slipway.ErrorCode(err) != slipway.CodeInvalid {
		t.Errorf("bad identifier: %v", err)
	}
	team, err := svc.UpsertTeam(ctx, "sre", "")
	if err != nil || team.Name != "sre" {
		t.Fatalf("create: %+v %v", team, err)
	}
	if renamed, err := svc.UpsertTeam(ctx, "sre", "Site Reliability"); err != nil || renamed.ID != team.ID || renamed.Name != "Site Reliability" {
		t.Fatalf("rename: %+v %v", renamed, err)
	}
	u, err := svc.SignInExternal(ctx, identity.ExternalLogin{Email: "oncall@example.com", Groups: []string{"SRE"}})
	if err != nil || !slices.Equal(teamIdentifiers(u), []string{"sre"}) || u.Name != "oncall@example.com" {
		t.Fatalf("sign-in into the new team: %+v %v", u, err)
	}
}
