// Package secretstore keeps the named secrets admins set for definitions
// to use as {{ .secrets.NAME }} (Port's syntax): sealed with the keyring
// (package secrets) and bound to their name, listed by name, who and when,
// never by value. Only the worker opens them, inside the activity that
// calls a backend (activities.prepareCall).
package secretstore

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/secrets"
)

// ResourceSecret is the audit log's resource type of a named secret.
const ResourceSecret = "secret"

// MaxValueBytes bounds a secret's value: tokens, keys and certificates fit.
const MaxValueBytes = 64 << 10

// Store manages named secrets.
type Store struct {
	DB *db.Store
	// Keys seals and opens values; nil refuses to set or open any.
	Keys *secrets.Keyring
}

// Secret is what anyone is told about a secret: never its value.
type Secret struct {
	Name string
	// UpdatedBy is the email of who set the current value ("" once that
	// user is gone).
	UpdatedBy            string
	CreatedAt, UpdatedAt time.Time
	// KeyID names the encryption key that sealed the value (rotation).
	KeyID string
}

// Set creates or replaces a secret. Admins only. The audit event names
// the secret and the key that sealed it, not the value.
func (s *Store) Set(ctx context.Context, actor slipway.User, name, value string) (Secret, error) {
	if err := requireAdmin(actor, "set secrets"); err != nil {
		return Secret{}, err
	}
	if err := CheckName(name); err != nil {
		return Secret{}, err
	}
	switch {
	case value == "":
		return Secret{}, slipway.FieldError("value", "is required")
	case len(value) > MaxValueBytes:
		return Secret{}, slipway.FieldError("value", "must be at most %d bytes", MaxValueBytes)
	case !utf8.ValidString(value):
		return Secret{}, slipway.FieldError("value", "must be UTF-8 text")
	}
	if s.Keys == nil {
		return Secret{}, slipway.Errorf(slipway.CodePrecondition, "secrets cannot be stored: no encryption key is configured (SLIPWAY_ENCRYPTION_KEY)")
	}
	sealed, err := s.Keys.SealNamed(name, value)
	if err != nil {
		return Secret{}, err
	}
	out := Secret{Name: name, UpdatedBy: actor.Email, KeyID: secrets.NamedKeyID(sealed)}
	err = s.DB.Change(ctx, func(tx db.Tx) error {
		row, err := tx.PutSecret(ctx, queries.PutSecretParams{Name: name, Sealed: sealed, UpdatedBy: uuid.NullUUID{UUID: actor.ID, Valid: actor.ID != uuid.Nil}})
		if err != nil {
			return db.MapError(err, "secret "+name)
		}
		out.CreatedAt, out.UpdatedAt = row.CreatedAt, row.UpdatedAt
		after := map[string]string{"name": name, "sealedWithKey": out.KeyID}
		return audit.Note(ctx, tx, actor, "set", ResourceSecret, name, nil, after)
	})
	if err != nil {
		return Secret{}, err
	}
	return out, nil
}

// List returns every secret's name, who set it and when. Admins only.
func (s *Store) List(ctx context.Context, actor slipway.User) ([]Secret, error) {
	if err := requireAdmin(actor, "list secrets"); err != nil {
		return nil, err
	}
	rows, err := s.DB.Q.ListSecrets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Secret, len(rows))
	for i, r := range rows {
		out[i] = Secret{Name: r.Name, UpdatedBy: r.UpdatedByEmail, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, KeyID: r.KeyID}
	}
	return out, nil
}

// Delete removes a secret. Admins only. A secret an action's definition
// names is refused (failed precondition, naming the actions): runs of
// those actions would fail. The secret stays locked while the definitions
// are read, and saving a definition holds the secrets it names
// (HoldSecrets), so neither can slip past the other.
func (s *Store) Delete(ctx context.Context, actor slipway.User, name string) error {
	if err := requireAdmin(actor, "delete secrets"); err != nil {
		return err
	}
	if err := CheckName(name); err != nil {
		return err
	}
	return s.DB.Change(ctx, func(tx db.Tx) error {
		if _, err := tx.LockSecret(ctx, name); err != nil {
			return db.MapError(err, "secret "+name)
		}
		users, err := actionsUsing(ctx, tx, name)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return slipway.Errorf(slipway.CodePrecondition, "secret %s is used by action %s: change %s first",
				name, strings.Join(users, ", "), map[bool]string{true: "it", false: "them"}[len(users) == 1])
		}
		if _, err := tx.DeleteSecret(ctx, name); err != nil {
			return err
		}
		return audit.Note(ctx, tx, actor, "delete", ResourceSecret, name, map[string]string{"name": name}, nil)
	})
}

// actionsUsing lists the actions whose definitions name secret name.
func actionsUsing(ctx context.Context, tx db.Tx, name string) ([]string, error) {
	rows, err := tx.ActionsMentioning(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		d, err := actions.Parse(r.Definition)
		if err != nil {
			return nil, fmt.Errorf("action %s: stored definition: %w", r.Identifier, err)
		}
		refs, _ := d.SecretRefs()
		for _, ref := range refs {
			if ref.Name == name {
				out = append(out, r.Identifier)
				break
			}
		}
	}
	return out, nil
}

// Open returns the values of the named secrets, for the backend call
// about to use them. A name missing from the store is left out of the map
// (the caller fails the run, naming it); a value that does not open (its
// key is no longer configured) is an error that names the secret only.
func (s *Store) Open(ctx context.Context, names []string) (map[string]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	rows, err := s.DB.Q.SealedSecrets(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if s.Keys == nil {
			return nil, fmt.Errorf("secret %s: this worker has no encryption key (SLIPWAY_ENCRYPTION_KEY)", r.Name)
		}
		v, err := s.Keys.OpenNamed(r.Name, r.Sealed)
		if err != nil {
			return nil, err // names the secret and the key, never the value
		}
		out[r.Name] = v
	}
	return out, nil
}

// CheckName refuses a name {{ .secrets.NAME }} could not read.
func CheckName(name string) error {
	if !jqtemplate.SecretName.MatchString(name) {
		return slipway.FieldError("name", "%s", jqtemplate.SecretNameRule)
	}
	return nil
}

// Hold checks, in the transaction saving a definition, that every secret
// its templates name exists, and holds them against deletion until it
// commits. Each missing one is a violation at the path of the template
// naming it, under prefix ("action.").
func Hold(ctx context.Context, tx db.Tx, refs []jqtemplate.SecretRef, prefix string) error {
	if len(refs) == 0 {
		return nil
	}
	found, err := tx.HoldSecrets(ctx, jqtemplate.SecretNames(refs))
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, n := range found {
		exists[n] = true
	}
	var v []slipway.Violation
	for _, r := range refs {
		if !exists[r.Name] {
			v = append(v, slipway.Violation{Field: prefix + r.Path,
				Message: fmt.Sprintf("no secret %s: an admin sets it first (slipway secret set %s)", r.Name, r.Name)})
		}
	}
	return slipway.Invalid("action", v)
}

func requireAdmin(u slipway.User, what string) error {
	if !u.IsAdmin() {
		return slipway.Errorf(slipway.CodePermission, "only admins may %s", what)
	}
	return nil
}
