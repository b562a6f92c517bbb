// Package identity knows who is calling: users and teams, API tokens and
// portal sessions, all kept in PostgreSQL.
package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
)

// Service answers identity questions for the API, the portal and the CLI.
// Token and sign-in changes are recorded in the audit log in their own
// transaction: one whose event PostgreSQL refuses does not happen.
type Service struct {
	store *db.Store
}

// New returns a Service on store.
func New(store *db.Store) *Service { return &Service{store: store} }

// Token describes an API token without its secret.
type Token struct {
	ID         uuid.UUID
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

var errBadCredentials = slipway.Errorf(slipway.CodeUnauthenticated, "invalid, expired or revoked credentials")

// UserByEmail loads a user with their teams.
func (s *Service) UserByEmail(ctx context.Context, email string) (slipway.User, error) {
	row, err := s.store.Q.GetUserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		return slipway.User{}, db.MapError(err, "user "+email)
	}
	return s.withTeams(ctx, row)
}

// Users lists every user, for the dev login page.
func (s *Service) Users(ctx context.Context) ([]slipway.User, error) {
	rows, err := s.store.Q.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	users := make([]slipway.User, 0, len(rows))
	for _, r := range rows {
		users = append(users, toUser(r))
	}
	return users, nil
}

// CreateToken creates an API token for the user. ttl 0 never expires. The
// returned secret is the only copy.
func (s *Service) CreateToken(ctx context.Context, userID uuid.UUID, name string, ttl time.Duration) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Token{}, "", slipway.FieldError("name", "is required")
	}
	if len(name) > 100 {
		return Token{}, "", slipway.FieldError("name", "must be at most 100 characters")
	}
	if ttl < 0 {
		return Token{}, "", slipway.FieldError("ttl_days", "must not be negative")
	}
	secret, hash := newSecret(tokenPrefix)
	var expires *time.Time
	if ttl > 0 {
		t := time.Now().Add(ttl)
		expires = &t
	}
	var t Token
	err := s.store.Change(ctx, func(tx db.Tx) error {
		row, err := tx.CreateAPIToken(ctx, queries.CreateAPITokenParams{
			UserID: userID, Name: name, Prefix: secret[:len(tokenPrefix)+6], Hash: hash, ExpiresAt: expires,
		})
		if err != nil {
			return db.MapError(err, "token")
		}
		t = toToken(row)
		return note(ctx, tx, userID, "create", audit.ResourceToken, t.ID.String(), map[string]any{"name": t.Name, "prefix": t.Prefix, "expiresAt": t.ExpiresAt})
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// note records in tx an identity event by the user with id (looked up for
// their email).
func note(ctx context.Context, tx db.Tx, userID uuid.UUID, verb, resourceType, resourceID string, after any) error {
	actor, _ := slipway.UserFrom(ctx)
	if actor.ID != userID {
		if row, err := tx.GetUser(ctx, userID); err == nil {
			actor = slipway.User{ID: row.ID, Email: row.Email}
		}
	}
	return audit.Note(ctx, tx, actor, verb, resourceType, resourceID, nil, after)
}

// CreateTokenForEmail is CreateToken for the CLI, which names users by email.
func (s *Service) CreateTokenForEmail(ctx context.Context, email, name string, ttl time.Duration) (Token, string, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return Token{}, "", err
	}
	return s.CreateToken(ctx, u.ID, name, ttl)
}

// Tokens lists the user's tokens, newest first.
func (s *Service) Tokens(ctx context.Context, userID uuid.UUID) ([]Token, error) {
	rows, err := s.store.Q.ListAPITokensOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Token, 0, len(rows))
	for _, r := range rows {
		out = append(out, toToken(r))
	}
	return out, nil
}

// RevokeToken revokes a token. Members revoke only their own; admins, and
// the CLI (actor nil), any.
func (s *Service) RevokeToken(ctx context.Context, actor *slipway.User, tokenID uuid.UUID) error {
	owner := uuid.NullUUID{}
	if actor != nil && !actor.IsAdmin() {
		owner = uuid.NullUUID{UUID: actor.ID, Valid: true}
	}
	var who slipway.User // the CLI is Slipway itself
	if actor != nil {
		who = *actor
	}
	return s.store.Change(ctx, func(tx db.Tx) error {
		n, err := tx.RevokeAPIToken(ctx, queries.RevokeAPITokenParams{ID: tokenID, UserID: owner})
		if err != nil {
			return err
		}
		if n == 0 {
			return slipway.Errorf(slipway.CodeNotFound, "token %s not found or already revoked", tokenID)
		}
		return audit.Note(ctx, tx, who, "revoke", audit.ResourceToken, tokenID.String(), nil, nil)
	})
}

// AuthenticateToken returns the user a bearer token belongs to.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (slipway.User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return slipway.User{}, errBadCredentials
	}
	row, err := s.store.Q.GetActiveAPIToken(ctx, hashSecret(secret))
	if err != nil {
		if slipway.ErrorCode(db.MapError(err, "token")) == slipway.CodeNotFound {
			return slipway.User{}, errBadCredentials
		}
		return slipway.User{}, err
	}
	// Use is recorded at most once a minute (the query says so too): a
	// token read as used within it costs no write, nor a round trip.
	if last := row.ApiToken.LastUsedAt; last == nil || time.Since(*last) >= time.Minute {
		if err := s.store.Q.TouchAPIToken(ctx, row.ApiToken.ID); err != nil {
			return slipway.User{}, err
		}
	}
	u := toUser(row.User)
	if err := json.Unmarshal(row.Teams, &u.Teams); err != nil {
		return slipway.User{}, fmt.Errorf("teams of %s: %w", u.Email, err)
	}
	if len(u.Teams) == 0 {
		u.Teams = nil // as withTeams leaves it
	}
	return u, nil
}

// sessionPrefix marks session cookie values.
const sessionPrefix = "sws_"

// CreateSession signs the user in to the portal and returns the cookie value.
func (s *Service) CreateSession(ctx context.Context, userID uuid.UUID, ttl time.Duration) (string, error) {
	secret, hash := newSecret(sessionPrefix)
	err := s.store.Change(ctx, func(tx db.Tx) error {
		if err := tx.CreateSession(ctx, queries.CreateSessionParams{Hash: hash, UserID: userID, ExpiresAt: time.Now().Add(ttl)}); err != nil {
			return err
		}
		return note(ctx, tx, userID, "login", audit.ResourceSession, userID.String(), nil)
	})
	return secret, err
}

// SessionUser returns the user of a live session.
func (s *Service) SessionUser(ctx context.Context, secret string) (slipway.User, error) {
	if !strings.HasPrefix(secret, sessionPrefix) {
		return slipway.User{}, errBadCredentials
	}
	row, err := s.store.Q.GetSessionUser(ctx, hashSecret(secret))
	if err != nil {
		if slipway.ErrorCode(db.MapError(err, "session")) == slipway.CodeNotFound {
			return slipway.User{}, errBadCredentials
		}
		return slipway.User{}, err
	}
	return s.withTeams(ctx, row)
}

// EndSession signs a session out.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	return s.store.Q.DeleteSession(ctx, hashSecret(secret))
}

// PurgeExpiredSessions deletes sessions past their expiry.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	return s.store.Q.DeleteExpiredSessions(ctx)
}

func (s *Service) withTeams(ctx context.Context, row queries.User) (slipway.User, error) {
	u := toUser(row)
	teams, err := s.store.Q.ListTeamsOfUser(ctx, row.ID)
	if err != nil {
		return slipway.User{}, err
	}
	for _, t := range teams {
		u.Teams = append(u.Teams, slipway.Team{ID: t.ID, Identifier: t.Identifier, Name: t.Name})
	}
	return u, nil
}

func toUser(r queries.User) slipway.User {
	return slipway.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: slipway.Role(r.Role)}
}

func toToken(r queries.ApiToken) Token {
	return Token{ID: r.ID, Name: r.Name, Prefix: r.Prefix, CreatedAt: r.CreatedAt,
		LastUsedAt: r.LastUsedAt, ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt}
}

// IsBadCredentials reports whether err means the credentials were rejected.
func IsBadCredentials(err error) bool { return errors.Is(err, errBadCredentials) }

// UpsertUser creates a user, or updates the name and role of an existing one.
func (s *Service) UpsertUser(ctx context.Context, email, name string, role slipway.Role) (slipway.User, error) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return slipway.User{}, slipway.FieldError("email", "must be an email address")
	}
	if name == "" {
		return slipway.User{}, slipway.FieldError("name", "is required")
	}
	if !role.Valid() {
		return slipway.User{}, slipway.FieldError("role", "must be admin or member")
	}
	row, err := s.store.Q.UpsertUser(ctx, queries.UpsertUserParams{Email: email, Name: name, Role: string(role)})
	if err != nil {
		return slipway.User{}, db.MapError(err, "user")
	}
	return s.withTeams(ctx, row)
}

// Teams lists every team.
func (s *Service) Teams(ctx context.Context) ([]slipway.Team, error) {
	rows, err := s.store.Q.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]slipway.Team, 0, len(rows))
	for _, t := range rows {
		out = append(out, slipway.Team{ID: t.ID, Identifier: t.Identifier, Name: t.Name})
	}
	return out, nil
}
