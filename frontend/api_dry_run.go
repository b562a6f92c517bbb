package frontend

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

func (a *runsAPI) DryRunAction(ctx context.Context, req *connect.Request[slipwayv1.DryRunActionRequest]) (*connect.Response[slipwayv1.DryRunActionResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	dry, err := a.s.SelfService.DryRun(ctx, u, m.GetAction(), m.GetEntity(), m.GetProperties().AsMap(), m.GetAsUser(), runs.OriginAPI)
	if err != nil {
		return nil, err
	}
	out, err := dryRunProto(dry)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

func dryRunProto(d selfservice.DryRun) (*slipwayv1.DryRunActionResponse, error) {
	out := &slipwayv1.DryRunActionResponse{Valid: len(d.Violations) == 0}
	for _, v := range d.Violations {
		out.Violations = append(out.Violations, &slipwayv1.DryRunViolation{Field: v.Field, Message: v.Message})
	}
	if !out.Valid {
		return out, nil
	}
	var err error
	if out.Properties, err = optionalStruct(d.Inputs); err != nil {
		return nil, err
	}
	out.Approval = &slipwayv1.DryRunApproval{Required: d.Approval.Required, Waived: d.Approval.Waived}
	for _, st := range d.Approval.Stages {
		out.Approval.Stages = append(out.Approval.Stages, &slipwayv1.DryRunApprovalStage{Title: st.Title, Approvers: st.Approvers, Quorum: st.Quorum})
	}
	b := d.Backend
	out.Backend = &slipwayv1.DryRunBackend{Type: b.Type, Target: b.Target, Problem: b.Problem, Message: string(b.Message), Variables: b.Variables}
	if out.Backend.Payload, err = optionalStruct(b.Payload); err != nil {
		return nil, err
	}
	if r := b.Request; r != nil {
		out.Backend.Request = &slipwayv1.DryRunRequest{Method: r.Method, Url: r.URL, Headers: r.Headers, Body: string(r.Body)}
	}
	if e := b.Entity; e != nil {
		pe := &slipwayv1.DryRunEntity{Identifier: e.Identifier, Title: e.Title, Team: e.Team, Icon: e.Icon}
		if pe.Properties, err = optionalStruct(e.Properties); err != nil {
			return nil, err
		}
		if pe.Relations, err = optionalStruct(e.Relations); err != nil {
			return nil, err
		}
		out.Backend.Entity = pe
	}
	return out, nil
}

// optionalStruct is m as a Struct, nil when m is.
func optionalStruct(m map[string]any) (*structpb.Struct, error) {
	if m == nil {
		return nil, nil
	}
	return toStruct(m)
}
