package frontend

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/secretstore"
)

// secretsAPI serves SecretService; the store refuses everyone but admins.
type secretsAPI struct{ s *Server }

var _ slipwayv1connect.SecretServiceHandler = (*secretsAPI)(nil)

func (a *secretsAPI) SetSecret(ctx context.Context, req *connect.Request[slipwayv1.SetSecretRequest]) (*connect.Response[slipwayv1.SetSecretResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	secret, err := a.s.Secrets.Set(ctx, u, req.Msg.GetName(), req.Msg.GetValue())
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.SetSecretResponse{Secret: secretMessage(secret)})
}

func (a *secretsAPI) ListSecrets(ctx context.Context, _ *connect.Request[slipwayv1.ListSecretsRequest]) (*connect.Response[slipwayv1.ListSecretsResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	list, err := a.s.Secrets.List(ctx, u)
	if err != nil {
		return nil, err
	}
	resp := &slipwayv1.ListSecretsResponse{Secrets: make([]*slipwayv1.Secret, len(list))}
	for i, s := range list {
		resp.Secrets[i] = secretMessage(s)
	}
	return respond(resp)
}

func (a *secretsAPI) DeleteSecret(ctx context.Context, req *connect.Request[slipwayv1.DeleteSecretRequest]) (*connect.Response[slipwayv1.DeleteSecretResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.s.Secrets.Delete(ctx, u, req.Msg.GetName()); err != nil {
		return nil, err
	}
	return respond(&slipwayv1.DeleteSecretResponse{})
}

func secretMessage(s secretstore.Secret) *slipwayv1.Secret {
	return &slipwayv1.Secret{Name: s.Name, UpdatedBy: s.UpdatedBy, CreateTime: timestamppb.New(s.CreatedAt), UpdateTime: timestamppb.New(s.UpdatedAt), KeyId: s.KeyID}
}
