package backend

import (
	"context"
	"fmt"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/temporalnexus"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The Nexus path: a team whose workers live in its own namespace serves a
// Nexus operation, and Slipway's run calls it through a Nexus endpoint an
// operator created (target: the team's namespace and task queue):
//
//	{"type": "TEMPORAL", "nexus": {"endpoint": "payments", "service": "slipway-actions", "operation": "ScaffoldService"}}
//
// Slipway holds no credential of the team's namespace: the Temporal
// server routes the call. Each operation starts a workflow in the team's
// namespace (NexusActionWorkflow) that runs the handler as an activity on
// the worker's own queue, so a long action holds no Nexus request open,
// heartbeats, is retried on another worker when one dies, and is cancelled
// when the run is.

// NexusActionWorkflow is the name of the workflow each operation starts in
// the team's namespace.
const NexusActionWorkflow = "SlipwayNexusAction"

// nexusActivityPrefix names the handlers' activities in the team's
// namespace, apart from the team's own.
const nexusActivityPrefix = "slipway.nexus."

// nexusActionTimeout bounds the team's workflow; Slipway's run timeout
// cancels it sooner.
const nexusActionTimeout = 24 * time.Hour

type nexusAction struct {
	Operation string
	Payload   Payload
}

// RegisterNexusService makes w serve the Nexus service named service, with
// one operation per handler.
func RegisterNexusService(w worker.Worker, service string, handlers map[string]Handler) error {
	svc := nexus.NewService(service)
	for name, h := range handlers {
		op, err := temporalnexus.NewWorkflowRunOperationWithOptions(temporalnexus.WorkflowRunOperationOptions[Payload, Result]{
			Name: name,
			Handler: func(ctx context.Context, p Payload, opts nexus.StartOperationOptions) (temporalnexus.WorkflowHandle[Result], error) {
				return temporalnexus.ExecuteUntypedWorkflow[Result](ctx, opts, client.StartWorkflowOptions{
					// From the input, so a retried start finds its workflow.
					ID:                       fmt.Sprintf("slipway-run-%s-%s", p.Run.ID, name),
					WorkflowExecutionTimeout: nexusActionTimeout,
				}, NexusActionWorkflow, nexusAction{Operation: name, Payload: p})
			},
		})
		if err != nil {
			return fmt.Errorf("nexus operation %q: %w", name, err)
		}
		if err := svc.Register(op); err != nil {
			return err
		}
		w.RegisterActivityWithOptions(nexusActivity(h), activity.RegisterOptions{Name: nexusActivityPrefix + name})
	}
	w.RegisterNexusService(svc)
	w.RegisterWorkflowWithOptions(nexusActionWorkflow, workflow.RegisterOptions{Name: NexusActionWorkflow})
	return nil
}

// nexusActionWorkflow runs one operation's handler as an activity: the
// same heartbeats, retries and cancel as a task-queue call.
func nexusActionWorkflow(ctx workflow.Context, in nexusAction) (Result, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ScheduleToCloseTimeout: nexusActionTimeout,
		HeartbeatTimeout:       HeartbeatTimeout,
		RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	var res Result
	err := workflow.ExecuteActivity(ctx, nexusActivityPrefix+in.Operation, in.Payload).Get(ctx, &res)
	return res, err
}

func nexusActivity(h Handler) func(ctx context.Context, payload Payload) (Result, error) {
	return serve(h, newNexusRun)
}
