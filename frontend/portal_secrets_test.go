package frontend_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// The secrets page is an admin's: set through the htmx form (the value is
// never sent back), listed by name, deleted; members do not see it in
// their navigation and are told it does not exist. Members' GetAction,
// ListActions and the portal show no header value of a definition.
func TestSecretsPageAndMembersViewsOfDefinitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(t)
	keys := testkit.Keyring(t, nil)
	cat := &catalog.Service{Store: store}
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Catalog: cat, SelfService: &selfservice.Service{Store: store, Catalog: cat},
		Secrets: &secretstore.Store{DB: store, Keys: keys}, Logger: slog.New(slog.DiscardHandler), DevLogin: true})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	f := &fixture{url: ts.URL, ident: ident}
	const value = "tok-page-s3cret"

	admin := browser()
	csrf := signIn(t, f, admin, identity.DemoAdminEmail)
	resp, body := postForm(t, admin, ts.URL+"/secrets", url.Values{"name": {"CI_TOKEN"}, "value": {value}}, "HX-Request", "true", "X-CSRF-Token", csrf)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, value) || !strings.Contains(body, "CI_TOKEN") || !strings.Contains(body, `type="password"`) {
		t.Fatalf("set through the page: %d %s", resp.StatusCode, body)
	}
	_, body = postForm(t, admin, ts.URL+"/secrets", url.Values{"name": {"ci-token"}, "value": {value}}, "HX-Request", "true", "X-CSRF-Token", csrf)
	if !strings.Contains(body, "letters, digits and _") || strings.Contains(body, value) {
		t.Errorf("a bad name: %s", body)
	}
	resp, page := getDoc(t, admin, ts.URL+"/secrets")
	if resp.StatusCode != http.StatusOK || page.Find(`[data-testid="secret-row"]`).Length() != 1 || page.Find(`nav a[href="/secrets"]`).Length() != 1 {
		t.Errorf("the admin's page: %d, %d rows", resp.StatusCode, page.Find(`[data-testid="secret-row"]`).Length())
	}

	actions := slipwayv1connect.NewActionServiceClient(http.DefaultClient, ts.URL)
	_, adminTok, _ := ident.CreateTokenForEmail(ctx, identity.DemoAdminEmail, "t", 0)
	_, memberTok, _ := ident.CreateTokenForEmail(ctx, "dev1@example.com", "t", 0)
	def, _ := structpb.NewStruct(map[string]any{"identifier": "deploy", "title": "Deploy",
		"trigger": map[string]any{"type": "self-service", "operation": "CREATE", "userInputs": map[string]any{"properties": map[string]any{}}},
		"invocationMethod": map[string]any{"type": "WEBHOOK", "url": "https://ci.example/hook?t={{ .secrets.CI_TOKEN }}",
			"headers": map[string]any{"Authorization": "Bearer {{ .secrets.CI_TOKEN }}", "X-Api-Key": "literal-s3cret"}}})
	if _, err := actions.CreateAction(ctx, authed(&slipwayv1.CreateActionRequest{Action: def}, adminTok)); err != nil {
		t.Fatal(err)
	}
	got, err := actions.GetAction(ctx, authed(&slipwayv1.GetActionRequest{Identifier: "deploy"}, memberTok))
	if err != nil {
		t.Fatal(err)
	}
	list, err := actions.ListActions(ctx, authed(&slipwayv1.ListActionsRequest{}, memberTok))
	if err != nil {
		t.Fatal(err)
	}
	member := browser()
	memberCSRF := signIn(t, f, member, "dev1@example.com")
	_, form := getDoc(t, member, ts.URL+"/self-service/deploy")
	formHTML, _ := form.Html()
	for what, view := range map[string]string{"GetAction": protojson.Format(got.Msg), "ListActions": protojson.Format(list.Msg), "the form": formHTML} {
		for _, hidden := range []string{"literal-s3cret", "Bearer", ".secrets", "ci.example"} {
			if strings.Contains(view, hidden) {
				t.Errorf("a member's %s shows %q", what, hidden)
			}
		}
	}

	resp, page = getDoc(t, member, ts.URL+"/secrets")
	if resp.StatusCode != http.StatusNotFound || page.Find(`nav a[href="/secrets"]`).Length() != 0 {
		t.Errorf("a member's /secrets: %d, nav offers it: %v", resp.StatusCode, page.Find(`nav a[href="/secrets"]`).Length() != 0)
	}
	if resp, _ := postForm(t, member, ts.URL+"/secrets/CI_TOKEN/delete", url.Values{}, "HX-Request", "true", "X-CSRF-Token", memberCSRF); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a member deletes: %d", resp.StatusCode)
	}
	_, err = slipwayv1connect.NewSecretServiceClient(http.DefaultClient, ts.URL).ListSecrets(ctx, authed(&slipwayv1.ListSecretsRequest{}, memberTok))
	if connectCode(t, err) != connect.CodePermissionDenied {
		t.Errorf("a member's ListSecrets: %v", err)
	}

	// In use: the delete is refused in the table, naming the action.
	_, body = postForm(t, admin, ts.URL+"/secrets/CI_TOKEN/delete", url.Values{}, "HX-Request", "true", "X-CSRF-Token", csrf)
	if !strings.Contains(body, "used by action deploy") {
		t.Errorf("deleting a secret in use: %s", body)
	}
}
