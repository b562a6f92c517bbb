package backend

import (
	"context"
	"fmt"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
)

// Payload is what Slipway sends the team's activity: Port's trigger data
// (the body a webhook backend receives), without the run's token.
type Payload struct {
	Inputs  map[string]any `json:"inputs"`
	Entity  map[string]any `json:"entity,omitempty"`
	Trigger Trigger        `json:"trigger"`
	Action  Action         `json:"action"`
	Run     RunRef         `json:"run"`
}

// Trigger says who started the run, how and when.
type Trigger struct {
	By struct {
		UserID string `json:"userId"`
		User   struct {
			Email     string `json:"email"`
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"user"`
	} `json:"by"`
	Origin    string `json:"origin"`
	At        string `json:"at"`
	Operation string `json:"operation"`
}

// Action names the action that runs.
type Action struct {
	Identifier string `json:"identifier"`
	Blueprint  string `json:"blueprint,omitempty"`
}

// RunRef names the Slipway run.
type RunRef struct {
	ID string `json:"id"`
}

// Run is one action run as its handler sees it: the trigger data, and
// Log, Link and Summary to show progress on the run page while it works.
type Run struct {
	Payload

	ctx        context.Context
	client     client.Client
	workflowID string
	callID     string
	// collected holds the progress of a Nexus call, which has no way back
	// to the run until it ends (nil: progress goes to the run live).
	collected *Result

	mu    sync.Mutex
	lines int
	links []string
}

// newRun is the run of a call from Slipway's run workflow: progress goes
// to that workflow live (progress.go).
func newRun(ctx context.Context, p Payload) *Run {
	info := activity.GetInfo(ctx)
	return &Run{
		Payload:    p,
		ctx:        ctx,
		client:     activity.GetClient(ctx),
		workflowID: info.WorkflowExecution.ID,
		callID:     fmt.Sprintf("%s/%d", info.ActivityID, info.Attempt),
	}
}

// newNexusRun is the run of a Nexus call: the team's worker has no
// connection to Slipway's namespace, so progress travels with the Result.
func newNexusRun(ctx context.Context, p Payload) *Run {
	return &Run{Payload: p, ctx: ctx, collected: &Result{}}
}

func (r *Run) progressCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lines + len(r.links)
}
