package frontend

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway"
)

// connectCode maps Slipway's error codes to Connect's, in one place.
func connectCode(c slipway.Code) connect.Code {
	switch c {
	case slipway.CodeInvalid:
		return connect.CodeInvalidArgument
	case slipway.CodeNotFound:
		return connect.CodeNotFound
	case slipway.CodeConflict:
		return connect.CodeAlreadyExists
	case slipway.CodeUnauthenticated:
		return connect.CodeUnauthenticated
	case slipway.CodePermission:
		return connect.CodePermissionDenied
	case slipway.CodePrecondition:
		return connect.CodeFailedPrecondition
	case slipway.CodeUnavailable:
		return connect.CodeUnavailable
	}
	return connect.CodeInternal
}

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
	return connect.NewError(connectCode(code), errors.New(slipway.ErrorMessage(err)))
}
