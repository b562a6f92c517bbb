package frontend

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipwayhq/slipway"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

type runsAPI struct{ s *Server }

var _ slipwayv1connect.RunServiceHandler = (*runsAPI)(nil)

func (a *runsAPI) ExecuteAction(ctx context.Context, req *connect.Request[slipwayv1.ExecuteActionRequest]) (*connect.Response[slipwayv1.ExecuteActionResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	if req.Msg.GetAction() == "" {
		return nil, slipway.FieldError("action", "is required")
	}
	key, err := idempotencyKey(req.Header().Get(idempotencyKeyHeader), "idempotency_key", req.Msg.GetIdempotencyKey())
	if err != nil {
		return nil, err
	}
	run, err := a.s.SelfService.ExecuteWithKey(ctx, u, req.Msg.GetAction(), req.Msg.GetEntity(), req.Msg.GetProperties().AsMap(), runs.OriginAPI, key)
	if err != nil {
		return nil, err
	}
	resp := connect.NewResponse(&slipwayv1.ExecuteActionResponse{Run: runProto(run)})
	if run.Replayed {
		resp.Header().Set(idempotentReplayedHeader, "true")
	}
	return resp, nil
}

func (a *runsAPI) GetRun(ctx context.Context, req *connect.Request[slipwayv1.GetRunRequest]) (*connect.Response[slipwayv1.GetRunResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	run, err := a.s.SelfService.View(ctx, u, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.GetRunResponse{Run: runProto(run)})
}

func (a *runsAPI) ListRuns(ctx context.Context, req *connect.Request[slipwayv1.ListRunsRequest]) (*connect.Response[slipwayv1.ListRunsResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	runs, next, err := a.s.SelfService.List(ctx, selfservice.ListFilter{
		Action: m.GetAction(), Status: runs.Status(m.GetStatus()), RequesterEmail: m.GetRequester(), Entity: m.GetEntity(),
		ActiveOnly: m.GetActive(), PageSize: int(m.GetPageSize()), After: m.GetPageToken(), Viewer: &u,
	})
	if err != nil {
		return nil, err
	}
	resp := &slipwayv1.ListRunsResponse{NextPageToken: next}
	for _, r := range runs {
		resp.Runs = append(resp.Runs, runProto(r))
	}
	return respond(resp)
}

func (a *runsAPI) ApproveRun(ctx context.Context, req *connect.Request[slipwayv1.ApproveRunRequest]) (*connect.Response[slipwayv1.ApproveRunResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	run, err := a.s.SelfService.Decide(ctx, u, req.Msg.GetId(), true, req.Msg.GetReason())
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.ApproveRunResponse{Run: runProto(run)})
}

func (a *runsAPI) DeclineRun(ctx context.Context, req *connect.Request[slipwayv1.DeclineRunRequest]) (*connect.Response[slipwayv1.DeclineRunResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	run, err := a.s.SelfService.Decide(ctx, u, req.Msg.GetId(), false, req.Msg.GetReason())
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.DeclineRunResponse{Run: runProto(run)})
}

func (a *runsAPI) UpdateRun(ctx context.Context, req *connect.Request[slipwayv1.UpdateRunRequest]) (*connect.Response[slipwayv1.UpdateRunResponse], error) {
	m := req.Msg
	rr := runs.ReportRequest{Status: runs.Status(m.GetStatus()), StatusLabel: m.StatusLabel, Summary: m.Summary, ExternalRunID: m.ExternalRunId}
	if m.Link != nil {
		links, err := linksFromValue(m.GetLink())
		if err != nil {
			return nil, err
		}
		rr.Links = &links
	}
	run, err := a.s.SelfService.Report(ctx, reporter(ctx), m.GetId(), rr)
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.UpdateRunResponse{Run: runProto(run)})
}

func (a *runsAPI) AddRunLog(ctx context.Context, req *connect.Request[slipwayv1.AddRunLogRequest]) (*connect.Response[slipwayv1.AddRunLogResponse], error) {
	m := req.Msg
	if m.GetMessage() == "" {
		return nil, slipway.FieldError("message", "is required")
	}
	key, err := idempotencyKey(req.Header().Get(idempotencyKeyHeader), "idempotency_key", m.GetIdempotencyKey())
	if err != nil {
		return nil, err
	}
	seq, err := a.s.SelfService.AddLog(ctx, reporter(ctx), m.GetId(), runs.LogRequest{
		Message: m.GetMessage(), TerminationStatus: runs.Status(m.GetTerminationStatus()), StatusLabel: m.GetStatusLabel(),
		IdempotencyKey: key,
	})
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.AddRunLogResponse{Seq: seq})
}

func (a *runsAPI) ListRunLogs(ctx context.Context, req *connect.Request[slipwayv1.ListRunLogsRequest]) (*connect.Response[slipwayv1.ListRunLogsResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	page, err := a.s.SelfService.Logs(ctx, u, req.Msg.GetId(), req.Msg.GetAfterSeq(), int(req.Msg.GetLimit()))
	if err != nil {
		return nil, err
	}
	resp := &slipwayv1.ListRunLogsResponse{HasMore: page.More, NextAfterSeq: req.Msg.GetAfterSeq()}
	for _, l := range page.Lines {
		resp.Logs = append(resp.Logs, &slipwayv1.LogLine{Seq: l.Seq, Message: l.Message, Time: timestamppb.New(l.At)})
		resp.NextAfterSeq = l.Seq
	}
	return respond(resp)
}

func (a *runsAPI) CancelRun(ctx context.Context, req *connect.Request[slipwayv1.CancelRunRequest]) (*connect.Response[slipwayv1.CancelRunResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	run, err := a.s.SelfService.Cancel(ctx, u, req.Msg.GetId(), req.Msg.GetReason())
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.CancelRunResponse{Run: runProto(run)})
}

func (a *runsAPI) RerunRun(ctx context.Context, req *connect.Request[slipwayv1.RerunRunRequest]) (*connect.Response[slipwayv1.RerunRunResponse], error) {
	u, err := requireUser(ctx)
	if err != nil {
		return nil, err
	}
	run, err := a.s.SelfService.Rerun(ctx, u, req.Msg.GetId(), runs.OriginAPI)
	if err != nil {
		return nil, err
	}
	return respond(&slipwayv1.RerunRunResponse{Run: runProto(run)})
}

func respond[T any](msg *T) (*connect.Response[T], error) { return connect.NewResponse(msg), nil }

// linksFromValue accepts Port's link: a URL or a list of URLs.
func linksFromValue(v *structpb.Value) ([]string, error) { return linksFromAny(v.AsInterface()) }

func runProto(r selfservice.Run) *slipwayv1.Run {
	p := &slipwayv1.Run{
		Id: r.ID, Action: r.Action, Blueprint: r.Blueprint, Entity: r.Entity, Status: string(r.Status),
		StatusLabel: r.StatusLabel, Link: r.Links, Summary: r.Summary, ExternalRunId: r.ExternalRunID,
		CreatedBy: r.RequesterEmail, Source: r.Origin, LogCount: r.LogCount,
		CreatedAt: timestamppb.New(r.CreatedAt), UpdatedAt: timestamppb.New(r.UpdatedAt), WorkflowId: r.WorkflowID,
	}
	if r.EndedAt != nil {
		p.EndedAt = timestamppb.New(*r.EndedAt)
	}
	if b, err := json.Marshal(r.Inputs); err == nil {
		st := &structpb.Struct{}
		if st.UnmarshalJSON(b) == nil {
			p.Properties = st
		}
	}
	for _, a := range r.Affected {
		p.AffectedEntities = append(p.AffectedEntities, &slipwayv1.AffectedEntity{Blueprint: a.Blueprint, Identifier: a.Identifier, Operation: a.Operation})
	}
	for _, d := range r.Approvals {
		p.Approvals = append(p.Approvals, &slipwayv1.Decision{Approver: d.Approver, Approved: d.Approved, Reason: d.Reason, At: timestamppb.New(d.At)})
	}
	return p
}

// WatchRun sends the run and its lines after after_seq, then whatever
// changes, woken by the run's events (runevents) rather than polling.
func (a *runsAPI) WatchRun(ctx context.Context, req *connect.Request[slipwayv1.WatchRunRequest], stream *connect.ServerStream[slipwayv1.WatchRunResponse]) error {
	u, err := requireUser(ctx)
	if err != nil {
		return err
	}
	// Subscribed before the first read, so no change after it is missed.
	sub := a.s.RunEvents.Subscribe(req.Msg.GetId())
	defer sub.Close()
	after := req.Msg.GetAfterSeq()
	var lastState string
	run, err := a.s.SelfService.View(ctx, u, req.Msg.GetId())
	for {
		if err != nil {
			return err
		}
		page, err := a.s.SelfService.RunLogs(ctx, run, after, selfservice.MaxLogPage)
		if err != nil {
			return err
		}
		for _, l := range page.Lines {
			if err := stream.Send(&slipwayv1.WatchRunResponse{Event: &slipwayv1.WatchRunResponse_Log{
				Log: &slipwayv1.LogLine{Seq: l.Seq, Message: l.Message, Time: timestamppb.New(l.At)},
			}}); err != nil {
				return err
			}
			after = l.Seq
		}
		state := string(run.Status) + "\x00" + run.StatusLabel + "\x00" + run.Summary + "\x00" + strings.Join(run.Links, " ") + "\x00" + strconv.Itoa(len(run.Approvals))
		if state != lastState {
			if err := stream.Send(&slipwayv1.WatchRunResponse{Event: &slipwayv1.WatchRunResponse_Run{Run: runProto(run)}}); err != nil {
				return err
			}
			lastState = state
		}
		// An ended run may still have lines to page through; stop once all are sent.
		if run.Status.Ended() && !page.More {
			return nil
		}
		news := liveNews{notBefore: time.Now()} // the next page at once
		if !page.More {
			var ok bool
			if news, ok = a.s.awaitRunNews(ctx, sub, after); !ok {
				return nil
			}
		}
		run, err = a.s.rereadRun(ctx, u, run.ID, news)
	}
}
