package worker

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/telemetry"
	"github.com/slipwayhq/slipway/testkit"
)

func TestRunLogsNameRunAndAction(t *testing.T) {
	var out testkit.LockedBuffer
	logger := slog.New(telemetry.LogHandler(slog.NewTextHandler(&out, nil)))
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(logger))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(sdkworker.Options{Interceptors: []interceptor.WorkerInterceptor{newObserveRuns(nil, nil)}})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		workflow.GetLogger(ctx).Info("workflow line")
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		return workflow.ExecuteActivity(ctx, "Step").Get(ctx, nil)
	}, workflow.RegisterOptions{Name: runs.WorkflowName})
	env.RegisterActivityWithOptions(func(ctx context.Context) error {
		activity.GetLogger(ctx).Info("activity line")
		slog.New(telemetry.LogHandler(slog.NewTextHandler(&out, nil))).InfoContext(ctx, "context line")
		return nil
	}, activity.RegisterOptions{Name: "Step"})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "run-6d1f"})
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(runs.SearchAction.ValueSet("deploy"))); err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(runs.WorkflowName)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"workflow line", "activity line", "context line"} {
		found := false
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, line) {
				found = true
				if !strings.Contains(l, "run=6d1f") || !strings.Contains(l, "action=deploy") {
					t.Errorf("%q lacks run and action: %s", line, l)
				}
			}
		}
		if !found {
			t.Errorf("no %q logged:\n%s", line, out.String())
		}
	}
}
