package frontend

import (
	"context"
	"strings"

	"connectrpc.com/connect"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
)

// errNoToken is a Slipway error, not a Connect one, so that every edge
// (Connect and Port's REST API alike) maps it to its own "unauthenticated".
var errNoToken = slipway.Errorf(slipway.CodeUnauthenticated, "missing credentials: send Authorization: Bearer <token>")

// authInterceptor authenticates every API call with its bearer token and
// maps every handler error to a Connect error once, here.
func (s *Server) authInterceptor() connect.Interceptor { return authInterceptor{s} }

type authInterceptor struct{ s *Server }

func (a authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		procedure := req.Spec().Procedure
		ctx, err := a.s.authenticate(ctx, req.Header().Get("Authorization"))
		if err != nil {
			return nil, toConnectError(ctx, a.s.Logger, procedure, err)
		}
		resp, err := next(ctx, req)
		if err != nil {
			return nil, toConnectError(ctx, a.s.Logger, procedure, err)
		}
		return resp, nil
	}
}

func (a authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (a authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		procedure := conn.Spec().Procedure
		ctx, err := a.s.authenticate(ctx, conn.RequestHeader().Get("Authorization"))
		if err != nil {
			return toConnectError(ctx, a.s.Logger, procedure, err)
		}
		if err := next(ctx, conn); err != nil {
			return toConnectError(ctx, a.s.Logger, procedure, err)
		}
		return nil
	}
}

// authenticate puts the caller into ctx: a user for API tokens, a run for
// a backend's per-run token.
func (s *Server) authenticate(ctx context.Context, header string) (context.Context, error) {
	token, ok := bearerToken(header)
	if !ok {
		return ctx, errNoToken
	}
	if identity.IsRunToken(token) {
		runID, err := s.runForToken(ctx, token)
		if err != nil {
			return ctx, err
		}
		return withRunToken(ctx, runID), nil
	}
	user, err := s.Identity.AuthenticateToken(ctx, token)
	if err != nil {
		return ctx, err
	}
	return slipway.WithUser(ctx, user), nil
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
