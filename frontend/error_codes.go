package frontend

import (
	"net/http"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway"
)

// edgeCodes is how each of Slipway's error codes shows at the edges, in one
// table: Connect's code for the API, the HTTP status for the portal and
// Port's REST shape. A code missing here is an internal error.
var edgeCodes = map[slipway.Code]struct {
	connect connect.Code
	http    int
}{
	slipway.CodeInvalid:         {connect.CodeInvalidArgument, http.StatusBadRequest},
	slipway.CodeNotFound:        {connect.CodeNotFound, http.StatusNotFound},
	slipway.CodeConflict:        {connect.CodeAlreadyExists, http.StatusConflict},
	slipway.CodeUnauthenticated: {connect.CodeUnauthenticated, http.StatusUnauthorized},
	slipway.CodePermission:      {connect.CodePermissionDenied, http.StatusForbidden},
	slipway.CodePrecondition:    {connect.CodeFailedPrecondition, http.StatusConflict},
	slipway.CodeUnavailable:     {connect.CodeUnavailable, http.StatusServiceUnavailable},
}

// connectCode maps Slipway's error codes to Connect's.
func connectCode(c slipway.Code) connect.Code {
	if e, ok := edgeCodes[c]; ok {
		return e.connect
	}
	return connect.CodeInternal
}

// httpStatus maps Slipway's error codes to HTTP statuses.
func httpStatus(c slipway.Code) int {
	if e, ok := edgeCodes[c]; ok {
		return e.http
	}
	return http.StatusInternalServerError
}
