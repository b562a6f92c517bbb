package workflows_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/slipwayhq/slipway/backend"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
)

// Environment of the team worker process (TestTeamWorkerProcess).
const (
	teamWorkerAddrEnv  = "SLIPWAY_TEST_TEAM_WORKER_ADDR"
	teamWorkerQueueEnv = "SLIPWAY_TEST_TEAM_WORKER_QUEUE"
)

// TestTeamWorkerProcess is not a test: it is the team worker process that
// startTeamWorkerProcess runs (this test binary again), serving Scaffold
// with a handler that says which attempt it handles and then hangs.
func TestTeamWorkerProcess(t *testing.T) {
	addr := os.Getenv(teamWorkerAddrEnv)
	if addr == "" {
		t.Skip("the team worker process of TestTemporalBackendOnRealServer")
	}
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: temporaltest.Namespace})
	if err != nil {
		t.Fatal(err)
	}
	w := sdkworker.New(c, os.Getenv(teamWorkerQueueEnv), sdkworker.Options{})
	backend.Register(w, "Scaffold", func(ctx context.Context, run *backend.Run) (backend.Result, error) {
		fmt.Printf("handling attempt %d\n", activityAttempt(ctx))
		select {} // until killed
	})
	if err := w.Run(nil); err != nil {
		t.Fatal(err)
	}
}

type teamWorkerProcess struct {
	cmd   *exec.Cmd
	lines chan string
}

// startTeamWorkerProcess runs a team's worker on queue in a process of its
// own, killed when the test ends if it is still running.
func startTeamWorkerProcess(t *testing.T, addr, queue string) *teamWorkerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTeamWorkerProcess$", "-test.v")
	cmd.Env = append(os.Environ(), teamWorkerAddrEnv+"="+addr, teamWorkerQueueEnv+"="+queue)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &teamWorkerProcess{cmd: cmd, lines: make(chan string, 16)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { p.kill(t) })
	return p
}

func (p *teamWorkerProcess) awaitLine(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("the team worker process ended before %q", want)
			}
			if strings.Contains(line, want) {
				return
			}
		case <-deadline:
			t.Fatalf("the team worker process never printed %q", want)
		}
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (p *teamWorkerProcess) kill(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("kill the team worker: %v", err)
	}
	_ = p.cmd.Wait()
}
