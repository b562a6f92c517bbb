package frontend

import (
	"context"
	"encoding/json"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
)

type catalogAPI struct{ s *Server }

var _ slipwayv1connect.CatalogServiceHandler = (*catalogAPI)(nil)

func (a *catalogAPI) CreateBlueprint(ctx context.Context, req *connect.Request[slipwayv1.CreateBlueprintRequest]) (*connect.Response[slipwayv1.CreateBlueprintResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := structJSON(req.Msg.GetBlueprint(), "blueprint")
	if err != nil {
		return nil, err
	}
	b, err := a.s.Catalog.CreateBlueprint(ctx, u, raw)
	if err != nil {
		return nil, err
	}
	out, err := toStruct(b)
	return connect.NewResponse(&slipwayv1.CreateBlueprintResponse{Blueprint: out}), err
}

func (a *catalogAPI) UpdateBlueprint(ctx context.Context, req *connect.Request[slipwayv1.UpdateBlueprintRequest]) (*connect.Response[slipwayv1.UpdateBlueprintResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := structJSON(req.Msg.GetBlueprint(), "blueprint")
	if err != nil {
		return nil, err
	}
	b, err := a.s.Catalog.UpdateBlueprint(ctx, u, raw, req.Msg.GetForce())
	if err != nil {
		return nil, err
	}
	out, err := toStruct(b)
	return connect.NewResponse(&slipwayv1.UpdateBlueprintResponse{Blueprint: out}), err
}

func (a *catalogAPI) GetBlueprint(ctx context.Context, req *connect.Request[slipwayv1.GetBlueprintRequest]) (*connect.Response[slipwayv1.GetBlueprintResponse], error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	b, err := a.s.Catalog.GetBlueprint(ctx, req.Msg.GetIdentifier())
	if err != nil {
		return nil, err
	}
	out, err := toStruct(b)
	return connect.NewResponse(&slipwayv1.GetBlueprintResponse{Blueprint: out}), err
}

func (a *catalogAPI) ListBlueprints(ctx context.Context, _ *connect.Request[slipwayv1.ListBlueprintsRequest]) (*connect.Response[slipwayv1.ListBlueprintsResponse], error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	bs, err := a.s.Catalog.ListBlueprints(ctx)
	if err != nil {
		return nil, err
	}
	out, err := toStructs(bs, asIs)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.ListBlueprintsResponse{Blueprints: out}), nil
}

func (a *catalogAPI) DeleteBlueprint(ctx context.Context, req *connect.Request[slipwayv1.DeleteBlueprintRequest]) (*connect.Response[slipwayv1.DeleteBlueprintResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.s.Catalog.DeleteBlueprint(ctx, u, req.Msg.GetIdentifier()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.DeleteBlueprintResponse{}), nil
}

// writer is who writes an entity and on what authority: the caller by
// their own catalog permissions (run is nil), or a run's backend (or an
// admin) with run_id, for the run's requester within the run's scope. A
// run token without run_id is refused by requireUser.
func (a *catalogAPI) writer(ctx context.Context, runID string) (slipway.User, *catalog.RunScope, error) {
	if runID == "" {
		u, err := requireUser(ctx)
		return u, nil, err
	}
	if a.s.SelfService == nil {
		return slipway.User{}, nil, slipway.FieldError("run_id", "runs are not served here")
	}
	u, scope, err := a.s.SelfService.WriterForRun(ctx, reporter(ctx), runID)
	return u, &scope, err
}

func (a *catalogAPI) recordAffected(ctx context.Context, runID, blueprint, identifier, op string) error {
	if runID == "" {
		return nil
	}
	return a.s.SelfService.RecordAffected(ctx, runID, blueprint, identifier, op)
}

func (a *catalogAPI) UpsertEntity(ctx context.Context, req *connect.Request[slipwayv1.UpsertEntityRequest]) (*connect.Response[slipwayv1.UpsertEntityResponse], error) {
	u, run, err := a.writer(ctx, req.Msg.GetRunId())
	if err != nil {
		return nil, err
	}
	raw, err := structJSON(req.Msg.GetEntity(), "entity")
	if err != nil {
		return nil, err
	}
	var e catalog.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, slipway.FieldError("entity", "must have blueprint, identifier, properties and relations of the right types")
	}
	if id := req.Msg.GetRunId(); id != "" {
		ctx = audit.WithRun(ctx, id)
	}
	if run != nil {
		e, err = a.s.Catalog.UpsertEntityForRun(ctx, u, *run, e)
	} else {
		e, err = a.s.Catalog.UpsertEntity(ctx, u, e)
	}
	if err != nil {
		return nil, err
	}
	if err := a.recordAffected(ctx, req.Msg.GetRunId(), e.Blueprint, e.Identifier, "UPSERT"); err != nil {
		return nil, err
	}
	out, err := toStruct(e)
	return connect.NewResponse(&slipwayv1.UpsertEntityResponse{Entity: out}), err
}

func (a *catalogAPI) GetEntity(ctx context.Context, req *connect.Request[slipwayv1.GetEntityRequest]) (*connect.Response[slipwayv1.GetEntityResponse], error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	e, err := a.s.Catalog.GetEntity(ctx, req.Msg.GetBlueprint(), req.Msg.GetIdentifier())
	if err != nil {
		return nil, err
	}
	out, err := toStruct(e)
	return connect.NewResponse(&slipwayv1.GetEntityResponse{Entity: out}), err
}

func (a *catalogAPI) ListEntities(ctx context.Context, req *connect.Request[slipwayv1.ListEntitiesRequest]) (*connect.Response[slipwayv1.ListEntitiesResponse], error) {
	if _, err := requireUser(ctx); err != nil {
		return nil, err
	}
	m := req.Msg
	f := catalog.Filter{Blueprint: m.GetBlueprint(), Relations: m.GetRelations(), Team: m.GetTeam(), Search: m.GetSearch(),
		RangeKey: m.GetRangeKey(), RangeMin: m.RangeMin, RangeMax: m.RangeMax, PageSize: int(m.GetPageSize()), After: m.GetPageToken()}
	if m.GetProperties() != nil {
		f.Properties = m.GetProperties().AsMap()
	}
	es, next, err := a.s.Catalog.ListEntities(ctx, f)
	if err != nil {
		return nil, err
	}
	out, err := toStructs(es, asIs)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.ListEntitiesResponse{Entities: out, NextPageToken: next}), nil
}

func (a *catalogAPI) DeleteEntity(ctx context.Context, req *connect.Request[slipwayv1.DeleteEntityRequest]) (*connect.Response[slipwayv1.DeleteEntityResponse], error) {
	u, run, err := a.writer(ctx, req.Msg.GetRunId())
	if err != nil {
		return nil, err
	}
	blueprint, identifier := req.Msg.GetBlueprint(), req.Msg.GetIdentifier()
	if run != nil {
		err = a.s.Catalog.DeleteEntityForRun(audit.WithRun(ctx, req.Msg.GetRunId()), u, *run, blueprint, identifier)
	} else {
		err = a.s.Catalog.DeleteEntity(ctx, u, blueprint, identifier)
	}
	if err != nil {
		return nil, err
	}
	if err := a.recordAffected(ctx, req.Msg.GetRunId(), blueprint, identifier, "DELETE"); err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.DeleteEntityResponse{}), nil
}

// toStruct renders any JSON-shaped value as a protobuf Struct.
func toStruct(v any) (*structpb.Struct, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	st := &structpb.Struct{}
	return st, st.UnmarshalJSON(b)
}

// toStructs is toStruct over a list, each element shaped by view first.
func toStructs[T, V any](vs []T, view func(T) V) ([]*structpb.Struct, error) {
	out := make([]*structpb.Struct, 0, len(vs))
	for _, v := range vs {
		st, err := toStruct(view(v))
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// asIs is the view that shows an element as it is.
func asIs[T any](v T) T { return v }
