// Package worker runs Slipway's Temporal worker: it registers the workflows
// and activities on the task queue and starts the singleton workflows.
package worker

import (
	"context"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/workflows"
)

// New returns a worker with everything registered, not yet started.
func New(c client.Client, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		Interceptors: []interceptor.WorkerInterceptor{newObserveRuns(acts.Metrics, acts.Secrets)},
	})
	w.RegisterWorkflow(workflows.Housekeeping)
	w.RegisterWorkflowWithOptions(workflows.Run, workflow.RegisterOptions{Name: runs.WorkflowName})
	w.RegisterWorkflowWithOptions(workflows.EntityExpiry, workflow.RegisterOptions{Name: workflows.EntityExpiryName})
	w.RegisterWorkflow(workflows.RunReconciler)
	w.RegisterActivity(acts)
	return w
}

// SetCacheSize bounds the workflows this process keeps in memory between
// their tasks: a cached run costs about 75 KB, and the SDK's default,
// 10,000, would let a backlog of waiting runs hold most of a gigabyte. It
// applies to the workers started after it, and is the process's one
// setting: call it before New.
func SetCacheSize(workflows int) {
	sdkworker.SetStickyWorkflowCacheSize(workflows)
}

// Run starts a worker and the singleton workflows, and blocks until ctx ends.
func Run(ctx context.Context, c client.Client, acts *activities.Activities) error {
	w := New(c, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()
	if err := StartSingletons(ctx, c); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// StartSingletons starts the workflows that run once per namespace:
// housekeeping and the run reconciler.
func StartSingletons(ctx context.Context, c client.Client) error {
	if err := StartHousekeeping(ctx, c); err != nil {
		return err
	}
	return StartRunReconciler(ctx, c, workflows.RunReconcilerInput{})
}

// StartRunReconciler starts the run reconciler unless it runs already.
func StartRunReconciler(ctx context.Context, c client.Client, in workflows.RunReconcilerInput) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.RunReconcilerWorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.RunReconciler, in)
	if err != nil {
		return fmt.Errorf("start run reconciler workflow: %w", err)
	}
	return nil
}

// StartHousekeeping starts the housekeeping workflow unless it runs already.
func StartHousekeeping(ctx context.Context, c client.Client) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.HousekeepingWorkflowID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.Housekeeping, workflows.HousekeepingInput{})
	if err != nil {
		return fmt.Errorf("start housekeeping workflow: %w", err)
	}
	return nil
}
