package frontend

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/selfservice"
)

type actionsAPI struct{ s *Server }

var _ slipwayv1connect.ActionServiceHandler = (*actionsAPI)(nil)

func (a *actionsAPI) CreateAction(ctx context.Context, req *connect.Request[slipwayv1.CreateActionRequest]) (*connect.Response[slipwayv1.CreateActionResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := structJSON(req.Msg.GetAction(), "action")
	if err != nil {
		return nil, err
	}
	d, err := a.s.SelfService.CreateAction(ctx, u, raw)
	if err != nil {
		return nil, err
	}
	out, err := definitionStruct(d)
	return connect.NewResponse(&slipwayv1.CreateActionResponse{Action: out}), err
}

func (a *actionsAPI) UpdateAction(ctx context.Context, req *connect.Request[slipwayv1.UpdateActionRequest]) (*connect.Response[slipwayv1.UpdateActionResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := structJSON(req.Msg.GetAction(), "action")
	if err != nil {
		return nil, err
	}
	d, err := a.s.SelfService.UpdateAction(ctx, u, req.Msg.GetIdentifier(), raw)
	if err != nil {
		return nil, err
	}
	out, err := definitionStruct(d)
	return connect.NewResponse(&slipwayv1.UpdateActionResponse{Action: out}), err
}

// GetAction and ListActions show each caller what selfservice lets them
// read: admins the whole definition, members the public view of the
// actions they may run.
func (a *actionsAPI) GetAction(ctx context.Context, req *connect.Request[slipwayv1.GetActionRequest]) (*connect.Response[slipwayv1.GetActionResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	d, err := a.s.SelfService.ViewAction(ctx, u, req.Msg.GetIdentifier())
	if err != nil {
		return nil, err
	}
	out, err := toStruct(selfservice.DefinitionFor(u, d))
	return connect.NewResponse(&slipwayv1.GetActionResponse{Action: out}), err
}

func (a *actionsAPI) ListActions(ctx context.Context, req *connect.Request[slipwayv1.ListActionsRequest]) (*connect.Response[slipwayv1.ListActionsResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	defs, err := a.s.SelfService.ViewActions(ctx, u, req.Msg.GetBlueprint())
	if err != nil {
		return nil, err
	}
	out, err := toStructs(defs, func(d actions.Definition) any { return selfservice.DefinitionFor(u, d) })
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.ListActionsResponse{Actions: out}), nil
}

func (a *actionsAPI) DeleteAction(ctx context.Context, req *connect.Request[slipwayv1.DeleteActionRequest]) (*connect.Response[slipwayv1.DeleteActionResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.s.SelfService.DeleteAction(ctx, u, req.Msg.GetIdentifier()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.DeleteActionResponse{}), nil
}

func structJSON(st *structpb.Struct, field string) ([]byte, error) {
	if st == nil {
		return nil, slipway.FieldError(field, "is required")
	}
	return st.MarshalJSON()
}

func definitionStruct(d actions.Definition) (*structpb.Struct, error) { return toStruct(d) }
