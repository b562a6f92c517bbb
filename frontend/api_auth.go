package frontend

import (
	"context"
	"errors"
	"strings"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
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
			if identity.IsRunToken(token) {
				// A backend's per-run token: it may report on its own run only.
				runID, err := s.runForToken(ctx, token)
				if err != nil {
					return nil, toConnectError(ctx, s.Logger, procedure, err)
				}
				ctx = withRunToken(ctx, runID)
			} else {
				user, err := s.Identity.AuthenticateToken(ctx, token)
				if err != nil {
					return nil, toConnectError(ctx, s.Logger, procedure, err)
				}
				ctx = slipway.WithUser(ctx, user)
			}
			resp, err := next(ctx, req)
			if err != nil {
				return nil, toConnectError(ctx, s.Logger, procedure, err)
			}
			return resp, nil
		}
	}
}

type runTokenKey struct{}

func withRunToken(ctx context.Context, runID string) context.Context {
	return context.WithValue(ctx, runTokenKey{}, runID)
}

// reporter is who calls UpdateRun and AddRunLog: a user or a run's backend.
func reporter(ctx context.Context) selfservice.Reporter {
	var r selfservice.Reporter
	if u, ok := slipway.UserFrom(ctx); ok {
		r.User = &u
	}
	r.RunID, _ = ctx.Value(runTokenKey{}).(string)
	return r
}

// requireUser refuses callers that authenticated with a run token.
func requireUser(ctx context.Context) (slipway.User, error) {
	u, ok := slipway.UserFrom(ctx)
	if !ok {
		return slipway.User{}, slipway.Errorf(slipway.CodePermission, "a run token may only report on its run")
	}
	return u, nil
}

func (s *Server) runForToken(ctx context.Context, token string) (string, error) {
	row, err := s.Store.Q.GetRunByTokenHash(ctx, identity.HashRunToken(token))
	if err != nil {
		return "", slipway.Errorf(slipway.CodeUnauthenticated, "invalid run token")
	}
	return row.ID.String(), nil
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
