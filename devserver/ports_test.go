//go:build !slipway_lean

package devserver

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// takenPortPicker hands out, as its nth pick, a port that a listener of the
// test holds: the race where another process binds a port between "picked
// as free" and the server's own bind, made certain.
type takenPortPicker struct {
	t     *testing.T
	nth   int
	mu    sync.Mutex
	picks int
	held  net.Listener
}

func (p *takenPortPicker) pick(host string) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.picks++
	if p.picks != p.nth {
		return freePort(host)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	p.held = l
	p.t.Cleanup(func() { _ = l.Close() })
	return l.Addr().(*net.TCPAddr).Port, nil
}

// The frontend's port (the first pick), the frontend's HTTP port (the
// second) and the history service's (the third) each taken by someone else:
// the server still starts, on other ports, and answers calls.
func TestStartSurvivesAPortTakenAfterItWasPicked(t *testing.T) {
	for nth, which := range map[int]string{1: "frontend gRPC", 2: "frontend HTTP", 3: "history gRPC"} {
		t.Run(which, func(t *testing.T) {
			picker := &takenPortPicker{t: t, nth: nth}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			srv, err := Start(ctx, Options{FrontendAddr: "127.0.0.1:0", pickPort: picker.pick})
			if err != nil {
				t.Fatalf("start with the %s port taken: %v", which, err)
			}
			defer srv.Stop()
			if picker.held == nil {
				t.Fatalf("the picker was asked %d times, never for pick %d", picker.picks, nth)
			}
			taken := strconv.Itoa(picker.held.Addr().(*net.TCPAddr).Port)
			if _, port, _ := net.SplitHostPort(srv.FrontendAddr); port == taken {
				t.Fatalf("frontend claims the taken port %s", taken)
			}
			mustAnswer(t, srv.FrontendAddr)
		})
	}
}

// A port the caller asked for by number is never swapped for another.
func TestStartRefusesAFixedFrontendPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := Start(ctx, Options{FrontendAddr: l.Addr().String()})
	if err == nil {
		srv.Stop()
		t.Fatalf("started on %s, which another listener holds", l.Addr())
	}
	t.Logf("as expected: %v", err)
}

func mustAnswer(t *testing.T, addr string) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := workflowservice.NewWorkflowServiceClient(conn).DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil {
		t.Fatalf("frontend at %s: %v", addr, err)
	}
	if resp.GetNamespaceInfo().GetName() != "default" {
		t.Fatalf("namespace %v", resp.GetNamespaceInfo())
	}
}

// The UI is handed the listener Start bound (a UI server that binds a
// port itself exits the whole process when it lost the race for it).
func TestUIServesOnTheListenerItWasHanded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := Start(ctx, Options{FrontendAddr: "127.0.0.1:0", UIAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if !srv.uiHanded {
		t.Fatal("the UI server binds its port itself: handListener no longer reaches its echo server")
	}
	resp, err := http.Get(srv.UIURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("UI answered %d", resp.StatusCode)
	}
}
