package identity

import (
	"context"
	"regexp"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// teamIdentifier is the shape the teams table enforces; checking it here
// names the field instead of surfacing a constraint violation.
var teamIdentifier = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// UpsertTeam creates a team, or renames an existing one. Single sign-on
// only fills teams that exist, so this is how an operator says which
// provider groups count.
func (s *Service) UpsertTeam(ctx context.Context, identifier, name string) (slipway.Team, error) {
	identifier, name = strings.TrimSpace(identifier), strings.TrimSpace(name)
	if !teamIdentifier.MatchString(identifier) || len(identifier) > 100 {
		return slipway.Team{}, slipway.FieldError("identifier", "must be lower-case letters, digits, '-' and '_', starting with a letter or digit")
	}
	if name == "" {
		name = identifier
	}
	t, err := s.store.Q.UpsertTeam(ctx, queries.UpsertTeamParams{Identifier: identifier, Name: name})
	if err != nil {
		return slipway.Team{}, db.MapError(err, "team")
	}
	return slipway.Team{ID: t.ID, Identifier: t.Identifier, Name: t.Name}, nil
}
