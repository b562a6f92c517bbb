package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	nexuspb "go.temporal.io/api/nexus/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/backend"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
	"github.com/slipwayhq/slipway/workflows"
)

// temporalHistory is a TEMPORAL run that succeeds, with progress.
const temporalHistory = "testdata/run_temporal_history.json"

// temporalNexusHistory is a TEMPORAL run over Nexus that succeeds.
const temporalNexusHistory = "testdata/run_temporal_nexus_history.json"

// Teams' workers on the embedded server serve TEMPORAL actions: each
// worker dials the server with a plain SDK client, as a team's would, and
// serves its handler with package backend. One server for every case.
func TestTemporalBackendOnRealServer(t *testing.T) {
	// Set before the worker starts and restored after it stops (cleanups
	// run last first): its workflows read it.
	old := workflows.TemporalWorkerWait
	workflows.TemporalWorkerWait = time.Second
	t.Cleanup(func() { workflows.TemporalWorkerWait = old })
	store := pgtest.MustStore(t)
	dev1 := seededUser(t, store, "dev1@example.com")
	srv := temporaltest.MustStart(t)
	startWorker(t, srv, store)
	var startWith func(t *testing.T, invocation string, more ...string) client.WorkflowRun

	start := func(t *testing.T, queue, activity string) client.WorkflowRun {
		t.Helper()
		return startWith(t, fmt.Sprintf(`{"type": "TEMPORAL", "taskQueue": %q, "activity": %q}`, queue, activity))
	}
	startWith = func(t *testing.T, invocation string, more ...string) client.WorkflowRun {
		t.Helper()
		def, err := actions.Parse(fmt.Appendf(nil, `{"identifier": "scaffold", "trigger": {"type": "self-service", "operation": "CREATE",
		  "userInputs": {"properties": {"name": {"type": "string"}}}}, "invocationMethod": %s%s}`, invocation, strings.Join(more, "")))
		if err != nil {
			t.Fatal(err)
		}
		in := runs.Input{
			RunID: uuid.NewString(), Action: def, Inputs: map[string]any{"name": "billing"},
			Requester: runs.Person{ID: dev1.String(), Email: "dev1@example.com", Name: "Dev One"}, Origin: runs.OriginAPI,
			CodeVersion: runs.CodeVersion, RunToken: "slr_" + uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
		}
		run, err := srv.Client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: runs.WorkflowID(in.RunID), TaskQueue: runs.TaskQueue}, runs.WorkflowName, in)
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	var ended func(t *testing.T, run client.WorkflowRun) runs.State
	// cancelReachesHandler cancels run and expects it CANCELLED, and the
	// handler's context (which sends its error on stopped) cancelled within.
	cancelReachesHandler := func(t *testing.T, run client.WorkflowRun, stopped <-chan error, within time.Duration) {
		t.Helper()
		update(t, srv.Client, run.GetID(), runs.UpdateCancel, runs.CancelRequest{By: "dev1@example.com", Reason: "wrong name"})
		if st := ended(t, run); st.Status != runs.StatusCancelled {
			t.Errorf("status = %s, want CANCELLED", st.Status)
		}
		select {
		case err := <-stopped:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("the handler's context ended with %v, want context.Canceled", err)
			}
		case <-time.After(within):
			t.Error("the cancel never reached the handler's context")
		}
	}
	ended = func(t *testing.T, run client.WorkflowRun) runs.State {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := run.Get(ctx, nil); err != nil {
			t.Fatalf("the run's workflow: %v", err)
		}
		return runState(t, srv.Client, run)
	}

	t.Run("progress shows live", func(t *testing.T) {
		progressed := make(chan struct{})
		w := teamWorker(t, srv.FrontendAddr, "payments-actions")
		backend.Register(w, "ScaffoldService", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
			if run.Inputs["name"] != "billing" || run.Trigger.By.User.Email != "dev1@example.com" || run.Run.ID == "" {
				return backend.Failure(fmt.Sprintf("unexpected payload %+v", run.Payload)), nil
			}
			for _, err := range []error{
				run.Log("creating repository %s", run.Inputs["name"]),
				run.Link("https://git.example.com/billing"),
				run.Summary("repository **billing** created"),
			} {
				if err != nil {
					return backend.Result{}, err
				}
			}
			close(progressed)
			<-ctx.Done() // held until the test has seen the progress live
			return backend.Result{}, ctx.Err()
		})
		startTeamWorker(t, w)
		run := start(t, "payments-actions", "ScaffoldService")
		<-progressed
		live := runState(t, srv.Client, run)
		if live.Status != runs.StatusInProgress || live.LogCount != 1 || len(live.Links) != 1 || live.Summary != "repository **billing** created" {
			t.Errorf("live state = %+v; want the line, link and summary while the handler works", live)
		}
		// Live pages read the row: it holds them too, while the handler works.
		rows := &selfservice.Service{Store: store}
		testkit.WaitUntil(t, 30*time.Second, "the link and summary in the run's row", func() bool {
			got, err := rows.Stored(context.Background(), strings.TrimPrefix(run.GetID(), "run-"))
			return err == nil && got.Status == runs.StatusInProgress && len(got.Links) == 1 && got.Summary == "repository **billing** created"
		})
		update(t, srv.Client, run.GetID(), runs.UpdateCancel, runs.CancelRequest{By: "dev1@example.com"})
		ended(t, run)
	})

	t.Run("success", func(t *testing.T) {
		w := teamWorker(t, srv.FrontendAddr, "done-actions")
		backend.Register(w, "Scaffold", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
			if err := run.Log("scaffolding %s", run.Inputs["name"]); err != nil {
				return backend.Result{}, err
			}
			if err := run.Link("https://git.example.com/billing"); err != nil {
				return backend.Result{}, err
			}
			return backend.Success("billing scaffolded"), nil
		})
		startTeamWorker(t, w)
		run := start(t, "done-actions", "Scaffold")
		st := ended(t, run)
		if st.Status != runs.StatusSuccess || st.StatusLabel != "billing scaffolded" || st.LogCount != 1 || len(st.Links) != 1 {
			t.Errorf("state = %+v; want SUCCESS, the label, one line and one link", st)
		}
		if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
			temporaltest.WriteHistory(t, srv.Client, run.GetID(), run.GetRunID(), temporalHistory)
		}
	})

	t.Run("failure", func(t *testing.T) {
		w := teamWorker(t, srv.FrontendAddr, "failing-actions")
		var calls atomic.Int32
		backend.Register(w, "Scaffold", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
			calls.Add(1)
			return backend.Failure("no quota left in payments"), nil
		})
		startTeamWorker(t, w)
		st := ended(t, start(t, "failing-actions", "Scaffold"))
		if st.Status != runs.StatusFailure || st.StatusLabel != "no quota left in payments" || calls.Load() != 1 {
			t.Errorf("state = %+v after %d calls; want FAILURE with the handler's label, called once", st, calls.Load())
		}
	})

	t.Run("cancel reaches the handler", func(t *testing.T) {
		w := teamWorker(t, srv.FrontendAddr, "slow-actions")
		started, stopped := make(chan struct{}), make(chan error, 1)
		backend.Register(w, "Scaffold", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
			close(started)
			<-ctx.Done()
			stopped <- ctx.Err()
			return backend.Result{}, ctx.Err()
		})
		startTeamWorker(t, w)
		run := start(t, "slow-actions", "Scaffold")
		<-started
		cancelReachesHandler(t, run, stopped, 2*backend.HeartbeatTimeout)
	})

	t.Run("no worker then a worker appears", func(t *testing.T) {
		run := start(t, "late-actions", "Scaffold")
		want := "waiting for a worker on task queue late-actions"
		testkit.WaitUntil(t, 30*time.Second, "the run to say it waits for a worker", func() bool {
			return runState(t, srv.Client, run).StatusLabel == want
		})
		w := teamWorker(t, srv.FrontendAddr, "late-actions")
		backend.Register(w, "Scaffold", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
			return backend.Success("served late"), nil
		})
		startTeamWorker(t, w)
		if st := ended(t, run); st.Status != runs.StatusSuccess || st.StatusLabel != "served late" {
			t.Errorf("state = %+v, want SUCCESS served late", st)
		}
	})

	t.Run("timeout while no worker comes", func(t *testing.T) {
		run := startWith(t, `{"type": "TEMPORAL", "taskQueue": "nobody-actions", "activity": "Scaffold"}`, `, "runTimeout": "3s"`)
		if st := ended(t, run); st.Status != runs.StatusFailure || st.StatusLabel != "timed out after 3s" {
			t.Errorf("state = %+v, want FAILURE timed out after 3s", st)
		}
	})

	t.Run("timeout while the handler works", func(t *testing.T) {
		w := teamWorker(t, srv.FrontendAddr, "stuck-actions")
		stopped := make(chan error, 1)
		backend.Register(w, "Scaffold", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
			<-ctx.Done()
			stopped <- ctx.Err()
			return backend.Result{}, ctx.Err()
		})
		startTeamWorker(t, w)
		run := startWith(t, `{"type": "TEMPORAL", "taskQueue": "stuck-actions", "activity": "Scaffold"}`, `, "runTimeout": "3s"`)
		if st := ended(t, run); st.Status != runs.StatusFailure || st.StatusLabel != "timed out after 3s" {
			t.Errorf("state = %+v, want FAILURE timed out after 3s", st)
		}
		select {
		case <-stopped:
		case <-time.After(2 * backend.HeartbeatTimeout):
			t.Error("the run's timeout never reached the handler's context")
		}
	})

	t.Run("worker process killed mid-activity", func(t *testing.T) {
		// A team's worker in its own process is SIGKILLed while its handler
		// runs: no graceful shutdown, no more heartbeats. After the heartbeat
		// timeout the call is scheduled again, and another worker serves it.
		first := startTeamWorkerProcess(t, srv.FrontendAddr, "fragile-actions")
		run := start(t, "fragile-actions", "Scaffold")
		first.awaitLine(t, "handling attempt 1")
		first.kill(t)

		second := teamWorker(t, srv.FrontendAddr, "fragile-actions")
		attempts := make(chan int32, 1)
		backend.Register(second, "Scaffold", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
			attempts <- activityAttempt(ctx)
			return backend.Success("served by the second worker"), nil
		})
		startTeamWorker(t, second)
		if st := ended(t, run); st.Status != runs.StatusSuccess || st.StatusLabel != "served by the second worker" {
			t.Errorf("state = %+v, want SUCCESS from the second worker", st)
		}
		if a := <-attempts; a != 2 {
			t.Errorf("the second worker served attempt %d, want 2", a)
		}
	})

	t.Run("nexus", func(t *testing.T) {
		// The team's workers live in their own namespace; an operator's
		// endpoint routes Slipway's calls there. Called before the team's
		// worker is up, the run says what it waits for.
		team := teamNamespace(t, srv, "payments", "payments-nexus")
		early := startWith(t, `{"type": "TEMPORAL", "nexus": {"endpoint": "payments", "service": "slipway-actions", "operation": "Scaffold"}}`)
		testkit.WaitUntil(t, 30*time.Second, "the run to say it waits for a worker", func() bool {
			return runState(t, srv.Client, early).StatusLabel == "waiting for a worker behind Nexus endpoint payments"
		})
		c, err := client.Dial(client.Options{HostPort: srv.FrontendAddr, Namespace: team})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		w := sdkworker.New(c, "payments-nexus", sdkworker.Options{})
		started, stopped := make(chan struct{}), make(chan error, 1)
		err = backend.RegisterNexusService(w, "slipway-actions", map[string]backend.Handler{
			"Scaffold": func(ctx context.Context, run *backend.Run) (backend.Result, error) {
				run.Log("scaffolding %s in the team's namespace", run.Inputs["name"])
				run.Link("https://git.example.com/billing")
				run.Summary("**billing** scaffolded")
				return backend.Success("served over Nexus"), nil
			},
			"Hold": func(ctx context.Context, run *backend.Run) (backend.Result, error) {
				close(started)
				<-ctx.Done()
				stopped <- ctx.Err()
				return backend.Result{}, ctx.Err()
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		startTeamWorker(t, w)
		if st := ended(t, early); st.Status != runs.StatusSuccess {
			t.Errorf("the early run ended %+v, want SUCCESS once the worker came", st)
		}

		served := startWith(t, `{"type": "TEMPORAL", "nexus": {"endpoint": "payments", "service": "slipway-actions", "operation": "Scaffold"}}`)
		st := ended(t, served)
		if os.Getenv("SLIPWAY_RECORD_HISTORY") == "1" {
			temporaltest.WriteHistory(t, srv.Client, served.GetID(), served.GetRunID(), temporalNexusHistory)
		}
		if st.Status != runs.StatusSuccess || st.StatusLabel != "served over Nexus" || st.LogCount != 1 || len(st.Links) != 1 || st.Summary != "**billing** scaffolded" {
			t.Errorf("state = %+v; want SUCCESS with the operation's line, link and summary", st)
		}

		run := startWith(t, `{"type": "TEMPORAL", "nexus": {"endpoint": "payments", "service": "slipway-actions", "operation": "Hold"}}`)
		<-started
		cancelReachesHandler(t, run, stopped, 3*backend.HeartbeatTimeout)
	})
}

// teamWorker is a team's worker on queue, on its own plain SDK client: no
// Slipway code but package backend. Start it with startTeamWorker once its
// handlers are registered.
func teamWorker(t *testing.T, addr, queue string) sdkworker.Worker {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: temporaltest.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return sdkworker.New(c, queue, sdkworker.Options{})
}

func startTeamWorker(t *testing.T, w sdkworker.Worker) {
	t.Helper()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

func runState(t *testing.T, c client.Client, run client.WorkflowRun) runs.State {
	t.Helper()
	v, err := c.QueryWorkflow(context.Background(), run.GetID(), run.GetRunID(), runs.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	var st runs.State
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func activityAttempt(ctx context.Context) int32 { return activity.GetInfo(ctx).Attempt }

// teamNamespace registers a team's namespace and a Nexus endpoint named
// like it whose target is queue there, as an operator would.
func teamNamespace(t *testing.T, srv *temporaltest.Server, name, queue string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := srv.Client.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: name, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.OperatorService().CreateNexusEndpoint(ctx, &operatorservice.CreateNexusEndpointRequest{Spec: &nexuspb.EndpointSpec{
		Name: name,
		Target: &nexuspb.EndpointTarget{Variant: &nexuspb.EndpointTarget_Worker_{Worker: &nexuspb.EndpointTarget_Worker{
			Namespace: name, TaskQueue: queue,
		}}},
	}}); err != nil {
		t.Fatal(err)
	}
	return name
}
