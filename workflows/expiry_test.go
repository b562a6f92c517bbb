package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/workflows"
)

func expiryEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *[]time.Time) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	var a *activities.Activities
	var expired []time.Time
	env.RegisterActivity(a.ExpireEntity)
	env.OnActivity(a.ExpireEntity, mock.Anything, mock.Anything).Return(func(context.Context, activities.ExpireEntityInput) error {
		expired = append(expired, env.Now())
		return nil
	})
	return env, &expired
}

func TestEntityExpiresWhenItsTimerPasses(t *testing.T) {
	env, expired := expiryEnv(t)
	start := env.Now()
	env.ExecuteWorkflow(workflows.EntityExpiry, workflows.EntityExpiryInput{Blueprint: "environment", Identifier: "pr-1", ExpiresAt: start.Add(5 * 24 * time.Hour)})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(*expired) != 1 || (*expired)[0].Sub(start) < 5*24*time.Hour {
		t.Fatalf("expired at %v (started %v)", *expired, start)
	}
}

func TestExtendingTheTimerMovesTheExpiry(t *testing.T) {
	env, expired := expiryEnv(t)
	start := env.Now()
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalReschedule, start.Add(8*24*time.Hour)) // "extend TTL by 3 days"
	}, 24*time.Hour)
	env.ExecuteWorkflow(workflows.EntityExpiry, workflows.EntityExpiryInput{Blueprint: "environment", Identifier: "pr-1", ExpiresAt: start.Add(5 * 24 * time.Hour)})
	if len(*expired) != 1 || (*expired)[0].Sub(start) < 8*24*time.Hour {
		t.Fatalf("expired at %v, want after day 8", *expired)
	}
}

func TestRemovingTheTimerStopsTheExpiry(t *testing.T) {
	env, expired := expiryEnv(t)
	start := env.Now()
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalReschedule, time.Time{}) }, time.Hour)
	env.ExecuteWorkflow(workflows.EntityExpiry, workflows.EntityExpiryInput{Blueprint: "environment", Identifier: "pr-1", ExpiresAt: start.Add(24 * time.Hour)})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(*expired) != 0 {
		t.Fatalf("expired although the timer was removed: %v", *expired)
	}
}
