package db

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slipwayhq/slipway"
)

// MapError is the one place that turns PostgreSQL errors into Slipway errors.
// what names the resource for the message ("user", "token", ...).
func MapError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return slipway.Errorf(slipway.CodeNotFound, "%s not found", what)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return slipway.Errorf(slipway.CodeConflict, "%s already exists", what)
		case "23503": // foreign_key_violation
			return slipway.Errorf(slipway.CodePrecondition, "%s refers to something that does not exist or is still in use", what)
		case "23514": // check_violation
			return slipway.Errorf(slipway.CodeInvalid, "%s is not valid", what)
		}
		switch errorClass(pgErr) {
		case classDataException: // a NUL byte (22021), \u0000 in JSON (22P05), too long (22001), bad syntax (22P02)...
			return slipway.Errorf(slipway.CodeInvalid, "%s is not valid", what)
		case classProgramLimit: // e.g. an index row over its size limit
			return slipway.Errorf(slipway.CodeInvalid, "%s is too large", what)
		}
	}
	return err
}

// SQLSTATE classes (the first two characters of a code).
const (
	classDataException     = "22"
	classIntegrity         = "23"
	classSyntaxOrAccess    = "42"
	classProgramLimit      = "54"
	classCardinality       = "21"
	classFeatureNotSupport = "0A"
	classWithCheckOption   = "44"
)

// Permanent reports whether err is PostgreSQL's answer that the statement
// itself cannot succeed: retrying it unchanged gives the same answer. Those
// are data exceptions (class 22: a NUL byte, invalid UTF-8, a value out of
// range), integrity violations (23), program limits (54) and statements
// PostgreSQL cannot run as written (42, 21, 0A, 44). Everything else —
// lost connections, serialization failures and deadlocks (40), too many
// connections (53), a shutdown or cancel (57), internal errors, and errors
// that are not PostgreSQL's — may pass: callers retry those.
//
// Activities use it to stop Temporal retrying a poisoned value for ever.
func Permanent(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch errorClass(pgErr) {
	case classDataException, classIntegrity, classSyntaxOrAccess, classProgramLimit,
		classCardinality, classFeatureNotSupport, classWithCheckOption:
		return true
	}
	return false
}

func errorClass(e *pgconn.PgError) string {
	if len(e.Code) < 2 {
		return ""
	}
	return e.Code[:2]
}
