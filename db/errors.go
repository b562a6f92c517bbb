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
		case "23514", "22P02", "22001": // check_violation, invalid_text_representation, string too long
			return slipway.Errorf(slipway.CodeInvalid, "%s is not valid", what)
		}
	}
	return err
}
