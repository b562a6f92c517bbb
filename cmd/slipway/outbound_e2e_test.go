//go:build !slipway_lean

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"go.temporal.io/api/enums/v1"

	"github.com/slipwayhq/slipway/config"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/outbound"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/testkit"
)

// With loopback denied, a definition naming a loopback address is refused
// when written, and one reaching it through a name ("localhost") fails its
// run with the refusal when dialled; its notification is dropped, not
// retried for a week. The loopback server never hears a thing.
func TestOutboundDenyListRefusesBackendAndNotificationCalls(t *testing.T) {
	s := mustStartDevWith(t, t.TempDir(), func(c *config.Config) {
		c.Demo = false
		c.OutboundDeny = outbound.MustParse("loopback,link-local,metadata")
	})
	defer s.Close()
	ctx := context.Background()
	target := testkit.MustBackend(t, testkit.Answers(http.StatusOK, ""))
	byName := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)

	def := func(backendURL, noticeURL string) string {
		return fmt.Sprintf(`{"action": {"identifier": "probe", "title": "Probe",
		  "trigger": {"type": "self-service", "operation": "CREATE"},
		  "invocationMethod": {"type": "WEBHOOK", "url": %q},
		  "approvalNotification": {"type": "webhook", "url": %q}}}`, backendURL, noticeURL)
	}
	create := s.PortalURL + "/slipway.v1.ActionService/CreateAction"
	for _, c := range []struct{ backend, notice, field, class string }{
		{target.URL + "/hook", byName + "/notify", "action.invocationMethod.url", "loopback"},
		{byName + "/hook", "http://169.254.169.254/latest/meta-data", "action.approvalNotification.url", "metadata"},
	} {
		status, body := postJSON(t, create, s.Token, def(c.backend, c.notice))
		if status != http.StatusBadRequest || !strings.Contains(body, c.field) || !strings.Contains(body, c.class) {
			t.Fatalf("a literal %s address: %d %s", c.class, status, body)
		}
	}
	if status, body := postJSON(t, create, s.Token, def(byName+"/hook", byName+"/notify")); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}

	runAPI := slipwayv1connect.NewRunServiceClient(http.DefaultClient, s.PortalURL)
	started, err := runAPI.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "probe"}), s.Token))
	if err != nil {
		t.Fatal(err)
	}
	id := started.Msg.GetRun().GetId()
	var run *slipwayv1.Run
	waitUntil(t, 30*time.Second, "the run to end", func() bool {
		got, err := runAPI.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: id}), s.Token))
		if err == nil {
			run = got.Msg.GetRun()
		}
		return run != nil && run.GetEndedAt() != nil
	})
	if run.GetStatus() != "FAILURE" || !strings.Contains(run.GetStatusLabel(), "refused") || !strings.Contains(run.GetStatusLabel(), "loopback") {
		t.Fatalf("run %s %q: want FAILURE naming the refused loopback address", run.GetStatus(), run.GetStatusLabel())
	}
	// The workflow waits for its notices: it completes only once the
	// refused one is dropped rather than retried.
	waitUntil(t, 30*time.Second, "the run's workflow to complete", func() bool {
		desc, err := s.Client.DescribeWorkflowExecution(ctx, runs.WorkflowID(id), "")
		return err == nil && desc.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	if n := target.Count(); n != 0 {
		t.Fatalf("the denied loopback server received %d requests", n)
	}
}
