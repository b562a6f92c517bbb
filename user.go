package slipway

import (
	"context"

	"github.com/google/uuid"
)

// Role is a user's global role. Finer permissions hang off actions and teams.
type Role string

const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleMember }

// User is a person or service account that signs in or calls the API.
type User struct {
	ID    uuid.UUID
	Email string
	Name  string
	Role  Role
	Teams []Team
}

// IsAdmin reports whether the user has the admin role.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// Team groups users; actions and entities are owned by teams.
type Team struct {
	ID         uuid.UUID
	Identifier string
	Name       string
}

type userKey struct{}

// WithUser returns a context carrying the authenticated user.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the authenticated user of ctx, if any.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}
