package frontend

import (
	"context"
	"encoding/json"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipwayhq/slipway/audit"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

type auditAPI struct{ s *Server }

var _ slipwayv1connect.AuditServiceHandler = (*auditAPI)(nil)

func (a *auditAPI) ListAuditEvents(ctx context.Context, req *connect.Request[slipwayv1.ListAuditEventsRequest]) (*connect.Response[slipwayv1.ListAuditEventsResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	f := audit.Filter{ResourceType: m.GetResourceType(), ResourceID: m.GetResourceId(), Actor: m.GetActor(), RunID: m.GetRunId(),
		PageSize: int(m.GetPageSize()), PageToken: m.GetPageToken()}
	if m.GetSince() != nil {
		f.Since = m.GetSince().AsTime()
	}
	if m.GetUntil() != nil {
		f.Until = m.GetUntil().AsTime()
	}
	events, next, err := a.s.Audit.List(ctx, u, f)
	if err != nil {
		return nil, err
	}
	resp := &slipwayv1.ListAuditEventsResponse{NextPageToken: next}
	for _, e := range events {
		resp.Events = append(resp.Events, &slipwayv1.AuditEvent{
			Id: e.ID, Time: timestamppb.New(e.At), Actor: e.Actor, Verb: e.Verb,
			ResourceType: e.ResourceType, ResourceId: e.ResourceID, RunId: e.RunID, Origin: e.Origin,
			Before: jsonValue(e.Before), After: jsonValue(e.After),
		})
	}
	return respond(resp)
}

// jsonValue turns a stored JSON document into a protobuf Value (nil for none).
func jsonValue(v any) *structpb.Value {
	raw, ok := v.(json.RawMessage)
	if !ok || len(raw) == 0 {
		return nil
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		return nil
	}
	out, err := structpb.NewValue(decoded)
	if err != nil {
		return nil
	}
	return out
}
