package activities_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/testkit"
)

// A synchronous backend's answer is checked before the run applies it: a
// javascript: link, a NUL byte or an over-long label fails the call for
// good, naming the field; an asynchronous backend's answer is not read.
func TestSyncAnswerWithBadTextIsRefused(t *testing.T) {
	cases := []struct{ answer, field string }{
		{`{"link": "javascript:alert(1)"}`, "link"},
		{`{"link": ["https://ci.example.com/1", "data:text/html,hi"]}`, "link[1]"},
		{`{"statusLabel": "a\u0000b"}`, "statusLabel"},
		{`{"summary": "` + strings.Repeat("x", 4001) + `"}`, "summary"},
		{"{\"status\": \"SUCCESS\", \"summary\": \"\xff\"}", "body"},
	}
	var answer atomic.Value // the backend's answer to the next call
	srv := testkit.MustBackend(t, testkit.AnswersWith(func(testkit.Call) (int, string) { return http.StatusOK, answer.Load().(string) }))
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s")})
	var a *activities.Activities
	for _, c := range cases {
		answer.Store(c.answer)
		_, err := env.ExecuteActivity(a.CallWebhook, activities.CallWebhookInput{URL: srv.URL, Synchronized: true})
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || !appErr.NonRetryable() || !strings.Contains(appErr.Message(), "backend answer refused: "+c.field+":") {
			t.Errorf("%.60s: %v", c.answer, err)
		}
		if _, err := env.ExecuteActivity(a.CallWebhook, activities.CallWebhookInput{URL: srv.URL}); err != nil {
			t.Errorf("asynchronous %.60s: %v", c.answer, err)
		}
	}
	answer.Store(`{"status": "SUCCESS", "link": ["https://ci.example.com/1", "", 3, "/runs/1"], "statusLabel": "deployed"}`)
	if _, err := env.ExecuteActivity(a.CallWebhook, activities.CallWebhookInput{URL: srv.URL, Synchronized: true}); err != nil {
		t.Errorf("a good answer: %v", err)
	}
}
