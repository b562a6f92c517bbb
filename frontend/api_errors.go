package frontend

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/slipwayhq/slipway"
)

// toConnectError turns any error into a Connect error whose message is safe
// to show: internal errors are logged and replaced by a generic text.
func toConnectError(ctx context.Context, logger *slog.Logger, procedure string, err error) error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.Canceled) {
		return connect.NewError(connect.CodeCanceled, errors.New("request cancelled"))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("deadline exceeded"))
	}
	code := slipway.ErrorCode(err)
	if code == slipway.CodeInternal {
		logger.ErrorContext(ctx, "api call failed", "procedure", procedure, "err", err)
	}
	ce = connect.NewError(connectCode(code), errors.New(slipway.ErrorMessage(err)))
	if br := badRequest(err); br != nil {
		if detail, derr := connect.NewErrorDetail(br); derr == nil {
			ce.AddDetail(detail)
		} else {
			logger.ErrorContext(ctx, "field violations not attached", "procedure", procedure, "err", derr)
		}
	}
	return ce
}

// badRequest lists err's bad fields as google.rpc.BadRequest, so that
// clients can put each message next to its field instead of parsing the
// text: one violation for a field error, one per violation of
// slipway.Invalid. Nil when err names no field.
func badRequest(err error) *errdetails.BadRequest {
	violations := slipway.ViolationsOf(err)
	if len(violations) == 0 {
		return nil
	}
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, len(violations))}
	for i, v := range violations {
		br.FieldViolations[i] = &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Message}
	}
	return br
}
