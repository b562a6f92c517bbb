package activities_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/outbound"
	"github.com/slipwayhq/slipway/testkit"
)

// Backend calls and notification webhooks to a denied address fail for
// good, naming the address class, and nothing reaches the address.
func TestCallsToDeniedAddressesFailForGood(t *testing.T) {
	srv := testkit.MustBackend(t)
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{WebhookSecret: []byte("s3cret"), HTTP: outbound.NewClient(outbound.MustParse("loopback"), 5*time.Second)})
	var a *activities.Activities

	wantRefused := func(what string, err error) {
		t.Helper()
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeOutboundDenied {
			t.Fatalf("%s: %v, want a non-retryable %s error", what, err, activities.ErrTypeOutboundDenied)
		}
		if !strings.Contains(appErr.Message(), "loopback") || !strings.Contains(appErr.Message(), "SLIPWAY_OUTBOUND_DENY") {
			t.Errorf("%s: message %q does not name the address class and the setting", what, appErr.Message())
		}
	}
	_, err := env.ExecuteActivity(a.CallWebhook, activities.CallWebhookInput{URL: localhost + "/hook", Data: json.RawMessage(`{}`)})
	wantRefused("backend call", err)
	_, err = env.ExecuteActivity(a.SendNotice, activities.SendNoticeInput{
		URL: localhost + "/notify", Notice: notifications.Notice{RunID: "r1", Event: "ended", Kind: notifications.Ended},
	})
	wantRefused("notification", err)
	if n := srv.Count(); n != 0 {
		t.Fatalf("the denied address received %d requests", n)
	}
}
