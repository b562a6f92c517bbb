// Package slipway holds the domain types every layer shares and the one error
// type that each edge (Connect API, portal, CLI) maps to its own vocabulary.
package slipway

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error for the edges. It is deliberately small: each code
// maps to one Connect code and one HTTP status.
type Code string

const (
	CodeInvalid         Code = "invalid"         // bad input; Message names the field
	CodeNotFound        Code = "not_found"       // no such resource
	CodeConflict        Code = "conflict"        // already exists
	CodeUnauthenticated Code = "unauthenticated" // no or bad credentials
	CodePermission      Code = "permission"      // authenticated but not allowed
	CodePrecondition    Code = "precondition"    // not allowed in the current state
	CodeUnavailable     Code = "unavailable"     // a dependency is down; retry later
	CodeInternal        Code = "internal"        // a bug or an unexpected failure
)

// Error is an error whose Message is safe to show to users. Anything else
// that reaches an edge is treated as internal and its text is logged, never shown.
type Error struct {
	Code    Code
	Message string
	// Field names the offending input, as a path such as "trigger.userInputs.properties.ttl".
	Field string
	// Violations lists every bad field when there is more than one.
	Violations []Violation
}

// Violation is one bad field of an input.
type Violation struct {
	Field, Message string
}

func (v Violation) String() string { return v.Field + ": " + v.Message }

func (e *Error) Error() string {
	if len(e.Violations) > 1 {
		parts := make([]string, len(e.Violations))
		for i, v := range e.Violations {
			parts[i] = v.String()
		}
		return e.Message + ": " + strings.Join(parts, "; ")
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Invalid builds an invalid-input error from violations, or returns nil when
// there are none. what says what was checked ("action definition").
func Invalid(what string, violations []Violation) error {
	if len(violations) == 0 {
		return nil
	}
	if len(violations) == 1 {
		return &Error{Code: CodeInvalid, Field: violations[0].Field, Message: violations[0].Message, Violations: violations}
	}
	return &Error{Code: CodeInvalid, Message: fmt.Sprintf("%s has %d problems", what, len(violations)), Violations: violations}
}

// Errorf builds an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an invalid-input error naming the field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, CodeInternal for foreign errors.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-safe message of err; foreign errors get a
// generic text so that no internal detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// ViolationsOf lists err's bad fields: its violations, or its one field;
// nil when err is no Error or names no field.
func ViolationsOf(err error) []Violation {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	if len(e.Violations) == 0 && e.Field != "" {
		return []Violation{{Field: e.Field, Message: e.Message}}
	}
	return e.Violations
}
