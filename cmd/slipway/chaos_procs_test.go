//go:build !slipway_lean

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The kill tests run the real binary: `go build` once per test binary, into
// a folder that outlives the tests that share it.
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

func slipwayBinary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "slipway-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "slipway")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		cmd := exec.Command(goTool, "build", "-o", binaryPath, ".")
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// proc is one Slipway process of the topology (web, a worker, temporal):
// started, SIGKILLed and started again with the same arguments and
// environment. Its stderr (JSON logs) goes to a file in the test's folder
// and is watched for the line that says the process is up.
type proc struct {
	t       testing.TB
	name    string
	bin     string
	args    []string
	env     []string
	logPath string
	// readyMsg is the log message the process writes once it serves.
	readyMsg string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	starts  int
	stopped bool
}

func newProc(t testing.TB, name, bin, dir, readyMsg string, env []string, args ...string) *proc {
	p := &proc{t: t, name: name, bin: bin, args: args, env: env, readyMsg: readyMsg,
		logPath: filepath.Join(dir, name+".log")}
	t.Cleanup(func() {
		p.stop()
		p.keepLogIfFailed()
	})
	return p
}

// keepLogIfFailed copies the log of a failed test to $SLIPWAY_ARTIFACTS
// (make test sets it): the test's folder is deleted.
func (p *proc) keepLogIfFailed() {
	dir := os.Getenv("SLIPWAY_ARTIFACTS")
	if !p.t.Failed() || dir == "" {
		return
	}
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return
	}
	dest := filepath.Join(dir, p.t.Name(), p.name+".log")
	if os.MkdirAll(filepath.Dir(dest), 0o755) == nil && os.WriteFile(dest, b, 0o644) == nil {
		p.t.Logf("%s log kept in %s", p.name, dest)
	}
}

// mustStart starts the process (test goroutine only) and returns the
// attributes of its ready line.
func (p *proc) mustStart(within time.Duration) map[string]any {
	p.t.Helper()
	attrs, err := p.start(within)
	if err != nil {
		p.t.Fatal(err)
	}
	return attrs
}

// start starts the process and returns the attributes of its ready line.
func (p *proc) start(within time.Duration) (map[string]any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	p.starts++
	fmt.Fprintf(logFile, "---- start %d of %s\n", p.starts, p.name)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout = logFile
	// If the test binary dies, its children must not outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", p.name, err)
	}
	ready := make(chan map[string]any, 1)
	exited := make(chan struct{})
	p.cmd, p.exited = cmd, exited

	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		p.watch(stderr, logFile, ready)
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it to the end first
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	select {
	case attrs := <-ready:
		return attrs, nil
	case <-exited:
		return nil, fmt.Errorf("%s exited during start-up: %s", p.name, p.tail())
	case <-time.After(within):
		return nil, fmt.Errorf("%s did not log %q within %s: %s", p.name, p.readyMsg, within, p.tail())
	}
}

func (p *proc) watch(r io.Reader, logFile *os.File, ready chan map[string]any) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	signalled := false
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = logFile.Write(append(line, '\n'))
		if signalled || !bytes.Contains(line, []byte(p.readyMsg)) {
			continue
		}
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil && rec["msg"] == p.readyMsg {
			ready <- rec
			signalled = true
		}
	}
}

// pid is the process id of the running process.
func (p *proc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// kill sends SIGKILL and waits until the process is gone.
func (p *proc) kill() error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	<-exited
	return nil
}

// stop ends the process gracefully (SIGTERM), then for good.
func (p *proc) stop() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	already := p.stopped
	p.stopped = true
	p.mu.Unlock()
	if cmd == nil || already {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// tail is the end of the process's log, for failure messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "\n" + p.name + " log (" + p.logPath + "):\n" + string(b)
}

// childEnv is the test's environment without Slipway's settings, plus env.
func childEnv(env ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "SLIPWAY_") || strings.HasPrefix(name, "TEMPORAL_") || name == "DATABASE_URL" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, env...)
}

// runOnce runs a short command of the binary (user create, token create).
func runOnce(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("slipway %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}
