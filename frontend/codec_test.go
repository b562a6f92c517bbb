package frontend_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipwayhq/slipway/frontend"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

const uiOrigin = "http://temporal-ui.example:8233"

func codecFixture(t *testing.T) (*fixture, secrets.Codec) {
	t.Helper()
	ctx := context.Background()
	store := pgtest.MustStore(t)
	ident := identity.New(store)
	if err := ident.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	key, _ := secrets.GenerateKey()
	raw, _ := secrets.DecodeKey(key)
	keys, err := secrets.NewKeyring(raw)
	if err != nil {
		t.Fatal(err)
	}
	codec := secrets.Codec{Keys: keys}
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Logger: slog.New(slog.DiscardHandler), DevLogin: true,
		Codec: codec, TemporalUIURL: uiOrigin + "/"})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	_, tok, err := ident.CreateTokenForEmail(ctx, identity.DemoAdminEmail, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{url: ts.URL, ident: ident, adminToken: tok}, codec
}

func codecCall(t *testing.T, c *http.Client, u string, payloads []*commonpb.Payload, header ...string) (int, []*commonpb.Payload, http.Header) {
	t.Helper()
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, b := testkit.Do(t, c, req)
	var out commonpb.Payloads
	if resp.StatusCode == http.StatusOK {
		if err := protojson.Unmarshal([]byte(b), &out); err != nil {
			t.Fatalf("answer %s: %v", b, err)
		}
	}
	return resp.StatusCode, out.GetPayloads(), resp.Header
}

func TestCodecServerDecodesForAdminsOnly(t *testing.T) {
	t.Parallel()
	f, codec := codecFixture(t)
	plain, _ := converter.GetDefaultDataConverter().ToPayload(map[string]any{"tag": "v1.2.3"})
	encrypted, err := codec.Encode([]*commonpb.Payload{plain})
	if err != nil {
		t.Fatal(err)
	}

	status, got, _ := codecCall(t, http.DefaultClient, f.url+"/codec/decode", encrypted, "Authorization", "Bearer "+f.adminToken)
	if status != http.StatusOK || len(got) != 1 || string(got[0].GetData()) != string(plain.GetData()) {
		t.Fatalf("admin decode: %d %v", status, got)
	}
	status, got, _ = codecCall(t, http.DefaultClient, f.url+"/codec/encode", []*commonpb.Payload{plain}, "Authorization", "Bearer "+f.adminToken)
	if status != http.StatusOK || len(got) != 1 || !secrets.IsEncryptedPayload(got[0]) {
		t.Fatalf("admin encode: %d %v", status, got)
	}
	if back, err := codec.Decode(got); err != nil || string(back[0].GetData()) != string(plain.GetData()) {
		t.Errorf("encoded payload does not decode: %v", err)
	}

	_, devTok, _ := f.ident.CreateTokenForEmail(context.Background(), "dev1@example.com", "dev", 0)
	for name, header := range map[string][]string{
		"anonymous":  nil,
		"bad token":  {"Authorization", "Bearer slw_nope"},
		"a member":   {"Authorization", "Bearer " + devTok},
		"not bearer": {"Authorization", "Basic abc"},
	} {
		if status, _, _ := codecCall(t, http.DefaultClient, f.url+"/codec/decode", encrypted, header...); status != http.StatusUnauthorized && status != http.StatusForbidden {
			t.Errorf("%s decoded: %d", name, status)
		}
	}

	// The Temporal UI calls with the portal session, from its own origin.
	admin := browser()
	signIn(t, f, admin, identity.DemoAdminEmail)
	status, got, h := codecCall(t, admin, f.url+"/codec/decode", encrypted, "Origin", uiOrigin, "X-Namespace", "default")
	if status != http.StatusOK || len(got) != 1 || h.Get("Access-Control-Allow-Origin") != uiOrigin || h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("session decode from the UI: %d %v %v", status, got, h)
	}
	member := browser()
	signIn(t, f, member, "dev1@example.com")
	if status, _, _ := codecCall(t, member, f.url+"/codec/decode", encrypted); status != http.StatusForbidden {
		t.Errorf("member session decoded: %d", status)
	}
	if status, _, _ := codecCall(t, http.DefaultClient, f.url+"/codec/unknown", encrypted, "Authorization", "Bearer "+f.adminToken); status != http.StatusNotFound {
		t.Errorf("unknown operation: %d", status)
	}
}

func TestCodecServerAnswersPreflightsFromTheUIOriginOnly(t *testing.T) {
	t.Parallel()
	f, _ := codecFixture(t)
	for origin, allowed := range map[string]bool{uiOrigin: true, "https://evil.example": false} {
		req, _ := http.NewRequest(http.MethodOptions, f.url+"/codec/decode", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if allowed && (resp.StatusCode != http.StatusNoContent || got != origin || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")) {
			t.Errorf("preflight from %s: %d %v", origin, resp.StatusCode, resp.Header)
		}
		if !allowed && got != "" {
			t.Errorf("preflight from %s allowed: %v", origin, resp.Header)
		}
	}
}

func TestCodecServerRefusesBadBodies(t *testing.T) {
	t.Parallel()
	f, _ := codecFixture(t)
	for _, body := range []string{"not json", `{"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}, "data": "AAAA"}]}`} {
		req, _ := http.NewRequest(http.MethodPost, f.url+"/codec/decode", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.adminToken)
		resp, b := testkit.Do(t, nil, req)
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(b, "proto") {
			t.Errorf("body %q: %d %s", body, resp.StatusCode, b)
		}
	}
}
