package activities_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/testkit"
)

const runID = "0f8e2d3a-0000-4000-8000-000000000009"

func testKeyring(t *testing.T) *secrets.Keyring {
	t.Helper()
	s, _ := secrets.GenerateKey()
	raw, _ := secrets.DecodeKey(s)
	k, err := secrets.NewKeyring(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sealedData is Port's payload with the password input sealed for run.
func sealedData(t *testing.T, k *secrets.Keyring, run, password string) json.RawMessage {
	t.Helper()
	sealed, err := k.SealInput(run, "password", password)
	if err != nil {
		t.Fatal(err)
	}
	return json.RawMessage(fmt.Sprintf(`{"inputs": {"password": %q, "user": "ci"}, "run": {"id": %q}}`, sealed, runID))
}

func TestCallWebhookDecryptsSecretInputsForTheBackendOnly(t *testing.T) {
	const password = `hunter2"quoted`
	// The backend echoes the password from its second call on.
	srv := testkit.MustBackend(t, testkit.AnswersWith(func(c testkit.Call) (int, string) {
		if c.N == 1 {
			return http.StatusOK, ""
		}
		return http.StatusOK, `{"summary": "got ` + strings.ReplaceAll(password, `"`, `\"`) + `"}`
	}))
	k := testKeyring(t)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s3cret"), Secrets: k})
	var a *activities.Activities

	in := activities.CallWebhookInput{URL: srv.URL, Headers: map[string]string{"X-Password": "{{ .inputs.password }}"}, Data: sealedData(t, k, runID, password)}
	if _, err := env.ExecuteActivity(a.CallWebhook, in); err != nil {
		t.Fatal(err)
	}
	got := srv.Calls()[0]
	if inputs, _ := got.JSON()["inputs"].(map[string]any); inputs["password"] != password || inputs["user"] != "ci" || got.Header.Get("X-Password") != password {
		t.Errorf("backend got body %s header %q", got.Body, got.Header.Get("X-Password"))
	}

	// What comes back (the history keeps it) has the secret masked.
	val, err := env.ExecuteActivity(a.CallWebhook, in)
	var res activities.CallWebhookResult
	if err != nil || val.Get(&res) != nil || strings.Contains(string(res.Body), "hunter2") || !strings.Contains(string(res.Body), secrets.Mask) {
		t.Errorf("echoed response kept as %s (%v)", res.Body, err)
	}
	in.Body = json.RawMessage(`{"n": "{{ .inputs.password | tonumber }}"}`)
	_, err = env.ExecuteActivity(a.CallWebhook, in)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("failing template: %v", err)
	}
	in.Body, in.URL = nil, "http://127.0.0.1:1/hook?p={{ .inputs.password }}"
	_, err = env.ExecuteActivity(a.CallWebhook, in)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "backend unreachable") {
		t.Errorf("unreachable backend: %v", err)
	}
}

func TestCallWebhookRefusesSecretsItCannotDecrypt(t *testing.T) {
	k := testKeyring(t)
	var suite testsuite.WorkflowTestSuite
	var a *activities.Activities
	for name, c := range map[string]struct {
		acts *activities.Activities
		data json.RawMessage
	}{
		"no keyring":       {&activities.Activities{}, sealedData(t, k, runID, "hunter2")},
		"another key":      {&activities.Activities{Secrets: testKeyring(t)}, sealedData(t, k, runID, "hunter2")},
		"sealed for a run": {&activities.Activities{Secrets: k}, sealedData(t, k, "another-run", "hunter2")},
	} {
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(c.acts)
		_, err := env.ExecuteActivity(a.CallWebhook, activities.CallWebhookInput{URL: "http://127.0.0.1:1/", Data: c.data})
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeSecret || !strings.Contains(err.Error(), "password") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
