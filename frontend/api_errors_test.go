package frontend_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipwayhq/slipway/audit"
	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// fieldViolations returns the BadRequest field violations err carries as
// "field: description", failing the test when it carries none.
func fieldViolations(t *testing.T, err error) []string {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want a Connect error, got %v", err)
	}
	if ce.Code() != connect.CodeInvalidArgument {
		t.Fatalf("code %v, want invalid_argument: %v", ce.Code(), err)
	}
	var out []string
	for _, d := range ce.Details() {
		v, err := d.Value()
		if err != nil {
			t.Fatalf("undecodable detail %s: %v", d.Type(), err)
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out = append(out, fv.GetField()+": "+fv.GetDescription())
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no BadRequest field violations in %v (details %d)", err, len(ce.Details()))
	}
	return out
}

func hasFieldViolation(got []string, field string) bool {
	return slices.ContainsFunc(got, func(v string) bool { return strings.HasPrefix(v, field+": ") })
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAPIFieldErrorsCarryBadRequestDetails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(t)
	cat := &catalog.Service{Store: store}
	ss := &selfservice.Service{Store: store, Catalog: cat, Temporal: stubTemporal{}}
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Catalog: cat, SelfService: ss, Audit: &audit.Log{Store: store},
		Temporal: stubTemporal{}, Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	_, admin, err := ident.CreateTokenForEmail(ctx, identity.DemoAdminEmail, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	catalogAPI := slipwayv1connect.NewCatalogServiceClient(http.DefaultClient, ts.URL)
	actionAPI := slipwayv1connect.NewActionServiceClient(http.DefaultClient, ts.URL)
	runAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, ts.URL)

	// One bad field: one violation naming it, and the message as before.
	_, err = catalogAPI.CreateBlueprint(ctx, authed(&slipwayv1.CreateBlueprintRequest{Blueprint: mustStruct(t, map[string]any{
		"identifier": "Not An Identifier", "title": "Service"})}, admin))
	got := fieldViolations(t, err)
	if len(got) != 1 || !hasFieldViolation(got, "blueprint.identifier") || !strings.Contains(err.Error(), "identifier") {
		t.Errorf("CreateBlueprint with a bad identifier: violations %q, message %q", got, err)
	}

	_, err = actionAPI.CreateAction(ctx, authed(&slipwayv1.CreateActionRequest{Action: mustStruct(t, map[string]any{
		"identifier": "deploy", "trigger": map[string]any{"type": "self-service", "operation": "CREATE",
			"userInputs": map[string]any{"properties": map[string]any{"name": map[string]any{"type": "string", "maxLength": 5}}, "required": []any{"name"}}},
		"invocationMethod": map[string]any{"type": "WEBHOOK", "url": "not a url"}})}, admin))
	got = fieldViolations(t, err)
	if !hasFieldViolation(got, "action.invocationMethod.url") {
		t.Errorf("CreateAction with a bad url: violations %q, message %q", got, err)
	}

	// Fix the action, then run it with two bad inputs: one violation each.
	if _, err := actionAPI.CreateAction(ctx, authed(&slipwayv1.CreateActionRequest{Action: mustStruct(t, map[string]any{
		"identifier": "deploy", "trigger": map[string]any{"type": "self-service", "operation": "CREATE",
			"userInputs": map[string]any{"properties": map[string]any{
				"name":  map[string]any{"type": "string", "maxLength": 5},
				"count": map[string]any{"type": "number"}}, "required": []any{"name"}}},
		"invocationMethod": map[string]any{"type": "WEBHOOK", "url": "https://backend.example/hook"}})}, admin)); err != nil {
		t.Fatal(err)
	}
	_, err = runAPI.ExecuteAction(ctx, authed(&slipwayv1.ExecuteActionRequest{Action: "deploy",
		Properties: mustStruct(t, map[string]any{"name": "much too long", "count": "three"})}, admin))
	got = fieldViolations(t, err)
	if len(got) != 2 || !slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, "name") }) ||
		!slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, "count") }) {
		t.Errorf("ExecuteAction with two bad inputs: violations %q", got)
	}
	for _, v := range got {
		if !strings.Contains(err.Error(), v[:strings.Index(v, ":")]) {
			t.Errorf("the message %q no longer names %q", err, v)
		}
	}
}
