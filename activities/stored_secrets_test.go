package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/secretstore"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// Named secrets ({{ .secrets.NAME }}) are opened inside the call, reach the
// backend, and are masked in whatever the call returns or fails with.
func TestCallWebhookResolvesStoredSecretsForTheBackendOnly(t *testing.T) {
	const token = `tok-"s3cret"`
	store, ident := pgtest.MustSeededStore(t)
	k := testKeyring(t)
	vault := &secretstore.Store{DB: store, Keys: k}
	admin := pgtest.MustUser(t, ident, identity.DemoAdminEmail)
	for name, value := range map[string]string{"TOKEN": token, "UNUSED": "never-loaded"} {
		if _, err := vault.Set(context.Background(), admin, name, value); err != nil {
			t.Fatal(err)
		}
	}
	srv := testkit.MustBackend(t, testkit.AnswersWith(func(c testkit.Call) (int, string) {
		return http.StatusOK, `{"echo": ` + string(mustJSON(c.Header.Get("Authorization"))) + `}`
	}))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{Store: store, WebhookSecret: []byte("s3cret"), Secrets: k})
	var a *activities.Activities

	in := activities.CallWebhookInput{URL: srv.URL + "/hook", Headers: map[string]string{"Authorization": "Bearer {{ .secrets.TOKEN }}"},
		Body: json.RawMessage(`{"loaded": "{{ .secrets | keys }}", "run": "{{ .run.id }}"}`),
		Data: json.RawMessage(`{"inputs": {}, "run": {"id": "r1"}}`)}
	val, err := env.ExecuteActivity(a.CallWebhook, in)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Calls()[0]
	if got.Header.Get("Authorization") != "Bearer "+token || fmt.Sprint(got.JSON()["loaded"]) != "[TOKEN]" || got.JSON()["run"] != "r1" {
		t.Errorf("backend got header %q body %s", got.Header.Get("Authorization"), got.Body)
	}
	var res activities.CallWebhookResult
	if val.Get(&res) != nil || strings.Contains(string(res.Body), "s3cret") || !strings.Contains(string(res.Body), secrets.Mask) {
		t.Errorf("the echoed secret is kept as %s", res.Body)
	}

	in.Body = json.RawMessage(`{"n": "{{ .secrets.TOKEN | tonumber }}"}`)
	if _, err := env.ExecuteActivity(a.CallWebhook, in); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("failing template: %v", err)
	}
	in.Body, in.URL = nil, "http://127.0.0.1:1/hook?t={{ .secrets.TOKEN }}"
	if _, err := env.ExecuteActivity(a.CallWebhook, in); err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("unreachable backend: %v", err)
	}

	// A secret deleted since the definition was saved fails the run at
	// once, naming it.
	in.URL, in.Headers = srv.URL, map[string]string{"Authorization": "{{ .secrets.GONE }}"}
	_, err = env.ExecuteActivity(a.CallWebhook, in)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeSecretMissing || !strings.Contains(appErr.Message(), "GONE") {
		t.Errorf("missing secret: %v", err)
	}
	if len(srv.Calls()) != 1 {
		t.Errorf("the backend was called %d times", len(srv.Calls()))
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
