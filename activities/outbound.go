package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/outbound"
)

// refusedOutbound turns a call the deny list refused (SLIPWAY_OUTBOUND_DENY,
// enforced by the client in Activities.HTTP) into a permanent error that
// names the address and its class; nil for any other error. Retrying cannot
// help: only the operator's setting changes the answer.
func refusedOutbound(err error, what string) error {
	var denied *outbound.DeniedError
	if !errors.As(err, &denied) {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(what+" refused: "+denied.Reason(), ErrTypeOutboundDenied, nil)
}
