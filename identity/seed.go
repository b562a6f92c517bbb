package identity

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/gen/queries"
)

// DemoUsers are the people `slipway dev` seeds: an admin, two developers in
// one team, and an approver.
var DemoUsers = []struct {
	Email, Name string
	Role        slipway.Role
	Team        string
}{
	{"admin@example.com", "Ada Admin", slipway.RoleAdmin, "platform"},
	{"dev1@example.com", "Dev One", slipway.RoleMember, "payments"},
	{"dev2@example.com", "Dev Two", slipway.RoleMember, "payments"},
	{"approver@example.com", "April Approver", slipway.RoleMember, "platform"},
}

// DemoAdminEmail is the seeded admin that owns the dev API token.
const DemoAdminEmail = "admin@example.com"

var demoTeams = map[string]string{"platform": "Platform", "payments": "Payments"}

// SeedDemo creates (or refreshes) the demo users and teams. Idempotent.
func (s *Service) SeedDemo(ctx context.Context) error {
	return s.store.InTx(ctx, func(q *queries.Queries) error {
		teamIDs := map[string]queries.Team{}
		for ident, name := range demoTeams {
			t, err := q.UpsertTeam(ctx, queries.UpsertTeamParams{Identifier: ident, Name: name})
			if err != nil {
				return err
			}
			teamIDs[ident] = t
		}
		for _, d := range DemoUsers {
			u, err := q.UpsertUser(ctx, queries.UpsertUserParams{Email: d.Email, Name: d.Name, Role: string(d.Role)})
			if err != nil {
				return err
			}
			if err := q.AddTeamMember(ctx, queries.AddTeamMemberParams{TeamID: teamIDs[d.Team].ID, UserID: u.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

// EnsureDevToken returns a working API token for email, kept in path so a
// restart prints the same one. A missing, revoked or foreign token is replaced.
func (s *Service) EnsureDevToken(ctx context.Context, path, email string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		tok := strings.TrimSpace(string(b))
		if u, err := s.AuthenticateToken(ctx, tok); err == nil && strings.EqualFold(u.Email, email) {
			return tok, nil
		} else if err != nil && !IsBadCredentials(err) {
			return "", err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	_, secret, err := s.CreateTokenForEmail(ctx, email, "dev token", 0)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return secret, os.WriteFile(path, []byte(secret+"\n"), 0o600)
}
