package identity

import (
	"context"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// ExternalLogin is what a single sign-on provider vouches for about the
// person who has just signed in with it.
type ExternalLogin struct {
	// Email names the user; the provider must have verified it.
	Email string
	// Name is the display name; empty keeps the current one.
	Name string
	// Groups are the provider's groups of the user. Those equal to the
	// identifier of an existing team (ignoring case) become the user's teams.
	Groups []string
	// AdminGroup, when set, hands the role to the provider: members of this
	// group are admins, everyone else a member.
	AdminGroup string
}

// SignInExternal finds the user a provider vouched for, creating them as a
// member on first sign-in, and brings their role and teams in line with the
// provider. The provider is the truth about team membership: teams missing
// from Groups are left, and teams that do not exist are not created, so an
// admin decides which groups matter by creating teams with those identifiers.
func (s *Service) SignInExternal(ctx context.Context, l ExternalLogin) (slipway.User, error) {
	email := strings.TrimSpace(l.Email)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return slipway.User{}, slipway.FieldError("email", "must be an email address")
	}
	teams, admin := groupsToTeams(l.Groups, l.AdminGroup)
	var row queries.User
	err := s.store.InTx(ctx, func(q *queries.Queries) error {
		name, role := strings.TrimSpace(l.Name), slipway.RoleMember
		existing, err := q.GetUserByEmail(ctx, email)
		isNew := err != nil
		switch {
		case !isNew:
			row, role = existing, slipway.Role(existing.Role)
			if name == "" {
				name = existing.Name
			}
		case slipway.ErrorCode(db.MapError(err, "user")) != slipway.CodeNotFound:
			return err
		case name == "":
			name = email
		}
		if l.AdminGroup != "" {
			role = slipway.RoleMember
			if admin {
				role = slipway.RoleAdmin
			}
		}
		// Skip the write when nothing changed: most sign-ins change nothing.
		if isNew || name != existing.Name || string(role) != existing.Role {
			if row, err = q.UpsertUser(ctx, queries.UpsertUserParams{Email: email, Name: name, Role: string(role)}); err != nil {
				return db.MapError(err, "user")
			}
		}
		if _, err := q.RemoveTeamMembershipsExcept(ctx, queries.RemoveTeamMembershipsExceptParams{UserID: row.ID, Identifiers: teams}); err != nil {
			return err
		}
		_, err = q.AddTeamMembershipsByIdentifier(ctx, queries.AddTeamMembershipsByIdentifierParams{UserID: row.ID, Identifiers: teams})
		return err
	})
	if err != nil {
		return slipway.User{}, err
	}
	return s.withTeams(ctx, row)
}

// groupsToTeams turns provider groups into candidate team identifiers and
// tells whether adminGroup is among them. Team identifiers are lower case,
// so groups are compared ignoring case. The result is never nil: the queries
// read a NULL array as "keep every team".
func groupsToTeams(groups []string, adminGroup string) (teams []string, admin bool) {
	teams = []string{}
	seen := map[string]bool{}
	adminGroup = strings.TrimSpace(adminGroup)
	for _, g := range groups {
		g = strings.TrimSpace(g)
		if adminGroup != "" && strings.EqualFold(g, adminGroup) {
			admin = true
		}
		id := strings.ToLower(g)
		if id != "" && !seen[id] {
			seen[id] = true
			teams = append(teams, id)
		}
	}
	return teams, admin
}
