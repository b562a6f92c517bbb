package runs

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway"
)

// The run workflow's update validators refuse with slipway errors: a
// refusal travels as an application error whose type is the error's
// slipway.Code and whose details carry its field, and Refusal turns it
// back. One vocabulary from the workflow to the API edge.

// Unchanged is the type of a refusal of a status update that repeats the
// final status the run ended with: nothing to change, so the API answers
// it as success with the run as it is (backends retry their last update).
// Callers match on it, so it keeps this name.
const Unchanged = "unchanged"

// Refuse is the refusal a validator returns for e.
func Refuse(e *slipway.Error) error {
	return temporal.NewApplicationError(e.Message, string(e.Code), e.Field)
}

// Refusef is Refuse for an error of code without a field.
func Refusef(code slipway.Code, format string, args ...any) error {
	return Refuse(slipway.Errorf(code, format, args...))
}

// refusalCodes are the codes validators refuse with.
var refusalCodes = map[string]slipway.Code{
	string(slipway.CodeInvalid):      slipway.CodeInvalid,
	string(slipway.CodePermission):   slipway.CodePermission,
	string(slipway.CodePrecondition): slipway.CodePrecondition,
	Unchanged:                        slipway.CodePrecondition,
}

// Refusal is the slipway error a validator's refusal err stands for; ok is
// false when err is not a refusal (Temporal's own errors, for one).
func Refusal(err error) (e *slipway.Error, ok bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return nil, false
	}
	code, ok := refusalCodes[appErr.Type()]
	if !ok {
		return nil, false
	}
	e = &slipway.Error{Code: code, Message: appErr.Message()}
	var field string
	if appErr.HasDetails() && appErr.Details(&field) == nil {
		e.Field = field
	}
	return e, true
}

// IsUnchanged reports whether err refused an update only because it
// repeated the status the run ended with.
func IsUnchanged(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == Unchanged
}
