package activities_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/signing"
)

func TestCallWebhookRendersSignsAndClassifiesAnswers(t *testing.T) {
	var gotPath, gotHeader, gotSig, gotTS string
	var gotBody map[string]any
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotPath, gotHeader = r.URL.Path, r.Header.Get("X-Env")
		gotSig, gotTS = r.Header.Get("x-port-signature"), r.Header.Get("x-port-timestamp")
		_ = json.Unmarshal(b, &gotBody)
		ts, _ := strconv.ParseInt(gotTS, 10, 64)
		if signing.Sign([]byte("s3cret"), ts, b) != gotSig {
			gotSig = "MISMATCH"
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s3cret")})
	in := activities.CallWebhookInput{
		URL: srv.URL + "/deploy/{{ .inputs.name }}", Method: "POST",
		Headers: map[string]string{"X-Env": "{{ .inputs.name }}-{{ .inputs.replicas }}"},
		Body:    json.RawMessage(`{"replicas": "{{ .inputs.replicas }}", "who": "{{ .trigger.by }}"}`),
		Data:    json.RawMessage(`{"inputs": {"name": "pr-42", "replicas": 3}, "trigger": {"by": "dev1"}}`),
	}
	var a *activities.Activities
	if _, err := env.ExecuteActivity(a.CallWebhook, in); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/deploy/pr-42" || gotHeader != "pr-42-3" || gotBody["replicas"] != float64(3) || gotBody["who"] != "dev1" {
		t.Errorf("rendered request: path %q header %q body %v", gotPath, gotHeader, gotBody)
	}
	if gotSig == "MISMATCH" || gotSig == "" {
		t.Error("signature does not verify")
	}

	for _, c := range []struct {
		status    int
		retryable bool
	}{{http.StatusNotFound, false}, {http.StatusTooManyRequests, true}, {http.StatusBadGateway, true}} {
		status = c.status
		_, err := env.ExecuteActivity(a.CallWebhook, in)
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || appErr.NonRetryable() == c.retryable {
			t.Errorf("status %d: %v (want retryable=%v)", c.status, err, c.retryable)
		}
	}

	// Without a configured body the trigger data is sent, also when the
	// empty body arrives as JSON null.
	status = http.StatusOK
	for _, body := range []json.RawMessage{nil, json.RawMessage("null")} {
		in.Body = body
		gotBody = nil
		if _, err := env.ExecuteActivity(a.CallWebhook, in); err != nil {
			t.Fatal(err)
		}
		if inputs, _ := gotBody["inputs"].(map[string]any); inputs["name"] != "pr-42" {
			t.Errorf("body %s: sent %v, want the trigger data", body, gotBody)
		}
	}

	in.Body = json.RawMessage(`{"x": "{{ .inputs.name | error }}"}`)
	_, err := env.ExecuteActivity(a.CallWebhook, in)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeTemplate {
		t.Errorf("failing template: %v", err)
	}
}
