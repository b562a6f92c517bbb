package frontend

import (
	"context"
	"errors"
	"strings"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway"
)

var errNoToken = connect.NewError(connect.CodeUnauthenticated,
	errors.New("missing credentials: send Authorization: Bearer <token>"))

// authInterceptor authenticates every API call with its bearer token and
// maps every handler error to a Connect error once, here.
func (s *Server) authInterceptor() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			procedure := req.Spec().Procedure
			token, ok := bearerToken(req.Header().Get("Authorization"))
			if !ok {
				return nil, errNoToken
			}
			user, err := s.Identity.AuthenticateToken(ctx, token)
			if err != nil {
				return nil, toConnectError(ctx, s.Logger, procedure, err)
			}
			resp, err := next(slipway.WithUser(ctx, user), req)
			if err != nil {
				return nil, toConnectError(ctx, s.Logger, procedure, err)
			}
			return resp, nil
		}
	}
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
