package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/workflows"
)

func TestHousekeepingPurgesEveryIntervalThenContinuesAsNew(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	var a *activities.Activities
	var calls []time.Time
	env.RegisterActivity(a.PurgeExpiredSessions)
	env.OnActivity(a.PurgeExpiredSessions, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PurgeSessionsInput) (activities.PurgeSessionsResult, error) {
			calls = append(calls, env.Now())
			return activities.PurgeSessionsResult{Deleted: 1}, nil
		})

	env.ExecuteWorkflow(workflows.Housekeeping, workflows.HousekeepingInput{Interval: 2 * time.Hour})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new to bound the history, got %v", err)
	}
	if len(calls) != 24 {
		t.Fatalf("purged %d times, want 24", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if gap := calls[i].Sub(calls[i-1]); gap != 2*time.Hour {
			t.Fatalf("rounds %d and %d are %s apart, want 2h", i-1, i, gap)
		}
	}
}

func TestHousekeepingSurvivesFailingPurges(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	var a *activities.Activities
	env.RegisterActivity(a.PurgeExpiredSessions)
	failures := 0
	env.OnActivity(a.PurgeExpiredSessions, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PurgeSessionsInput) (activities.PurgeSessionsResult, error) {
			failures++
			return activities.PurgeSessionsResult{}, errors.New("database down")
		})

	env.ExecuteWorkflow(workflows.Housekeeping, workflows.HousekeepingInput{})

	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("a failing purge must not end housekeeping, got %v", err)
	}
	// Each of the 24 rounds retries up to 5 attempts.
	if failures != 24*5 {
		t.Errorf("activity attempts = %d, want %d", failures, 24*5)
	}
}
