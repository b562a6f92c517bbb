package frontend

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipwayhq/slipway"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/identity"
)

// identityAPI implements IdentityService. The interceptor has authenticated
// the caller and maps returned errors.
type identityAPI struct{ s *Server }

var _ slipwayv1connect.IdentityServiceHandler = (*identityAPI)(nil)

func (a *identityAPI) WhoAmI(ctx context.Context, _ *connect.Request[slipwayv1.WhoAmIRequest]) (*connect.Response[slipwayv1.WhoAmIResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.WhoAmIResponse{User: userProto(u)}), nil
}

func (a *identityAPI) ListTokens(ctx context.Context, _ *connect.Request[slipwayv1.ListTokensRequest]) (*connect.Response[slipwayv1.ListTokensResponse], error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	toks, err := a.s.Identity.Tokens(ctx, currentUser(ctx).ID)
	if err != nil {
		return nil, err
	}
	resp := &slipwayv1.ListTokensResponse{Tokens: make([]*slipwayv1.Token, 0, len(toks))}
	for _, t := range toks {
		resp.Tokens = append(resp.Tokens, tokenProto(t))
	}
	return connect.NewResponse(resp), nil
}

func (a *identityAPI) CreateToken(ctx context.Context, req *connect.Request[slipwayv1.CreateTokenRequest]) (*connect.Response[slipwayv1.CreateTokenResponse], error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	days := req.Msg.GetTtlDays()
	if days < 0 || days > 3650 {
		return nil, slipway.FieldError("ttl_days", "must be between 0 (never expires) and 3650")
	}
	tok, secret, err := a.s.Identity.CreateToken(ctx, currentUser(ctx).ID, req.Msg.GetName(), time.Duration(days)*24*time.Hour)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.CreateTokenResponse{Token: tokenProto(tok), Secret: secret}), nil
}

func (a *identityAPI) RevokeToken(ctx context.Context, req *connect.Request[slipwayv1.RevokeTokenRequest]) (*connect.Response[slipwayv1.RevokeTokenResponse], error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	id, err := uuid.Parse(req.Msg.GetId())
	if err != nil {
		return nil, slipway.FieldError("id", "must be a token id (UUID)")
	}
	user := currentUser(ctx)
	if err := a.s.Identity.RevokeToken(ctx, &user, id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.RevokeTokenResponse{}), nil
}

func userProto(u slipway.User) *slipwayv1.User {
	p := &slipwayv1.User{Id: u.ID.String(), Email: u.Email, Name: u.Name, Role: string(u.Role)}
	for _, t := range u.Teams {
		p.Teams = append(p.Teams, &slipwayv1.Team{Id: t.ID.String(), Identifier: t.Identifier, Name: t.Name})
	}
	return p
}

func tokenProto(t identity.Token) *slipwayv1.Token {
	return &slipwayv1.Token{
		Id: t.ID.String(), Name: t.Name, Prefix: t.Prefix,
		CreateTime:   timestamppb.New(t.CreatedAt),
		LastUsedTime: optionalTimestamp(t.LastUsedAt),
		ExpireTime:   optionalTimestamp(t.ExpiresAt),
		RevokeTime:   optionalTimestamp(t.RevokedAt),
	}
}

func optionalTimestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}
