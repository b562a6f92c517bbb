//go:build !slipway_lean

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/outbound"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
)

// A real deployment's shape: `slipway migrate`, then `slipway worker` and
// `slipway web` as separate processes' entry points against an external
// Temporal and PostgreSQL, configured only through the environment.
func TestSeparateWebWorkerAndMigrate(t *testing.T) {
	srv := temporaltest.MustStart(t)
	dbURL := pgtest.URL(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	backend := testkit.MustBackend(t, testkit.Answers(http.StatusOK, `{"statusLabel": "done by the backend"}`))

	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("TEMPORAL_ADDRESS", srv.FrontendAddr)
	t.Setenv("TEMPORAL_NAMESPACE", temporaltest.Namespace)
	t.Setenv("SLIPWAY_HTTP_ADDR", addr)
	t.Setenv("SLIPWAY_WEBHOOK_SECRET", "split-test-secret")
	t.Setenv("SLIPWAY_ENCRYPTION_KEY", "c2xpcHdheS1zcGxpdC10ZXN0LWtleS0zMi1ieXRlcyE=") // web and worker share it
	t.Setenv("SLIPWAY_LOG_LEVEL", "error")
	// The backend is on 127.0.0.1, which production denies by default.
	t.Setenv("SLIPWAY_OUTBOUND_DENY", outbound.DefaultDev)

	ctx, cancel := context.WithCancel(context.Background())
	var errs bytes.Buffer
	mustRun := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if code := run(ctx, args, &out, &errs); code != 0 {
			t.Fatalf("slipway %s: exit %d: %s", strings.Join(args, " "), code, errs.String())
		}
		return strings.TrimSpace(out.String())
	}
	mustRun("migrate")
	mustRun("migrate") // twice is fine
	mustRun("user", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "admin")
	token := mustRun("token", "create", "--user", "ops@example.com")

	done := make(chan int, 2)
	for _, cmd := range []string{"worker", "web"} {
		go func() { done <- run(ctx, []string{cmd}, &bytes.Buffer{}, &bytes.Buffer{}) }()
	}
	defer func() {
		cancel()
		for range 2 {
			if code := <-done; code != 0 {
				t.Errorf("a process exited %d on shutdown", code)
			}
		}
	}()
	base := "http://" + addr
	waitUntil(t, 30*time.Second, "web to be ready", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	def := fmt.Sprintf(`{"action": {"identifier": "ping", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": {"type": "WEBHOOK", "url": %q, "synchronized": true}}}`, backend.URL)
	if status, body := postJSON(t, base+"/slipway.v1.ActionService/CreateAction", token, def); status != http.StatusOK {
		t.Fatalf("create action: %d %s", status, body)
	}
	api := slipwayv1connect.NewRunServiceClient(http.DefaultClient, base)
	resp, err := api.ExecuteAction(ctx, withToken(connect.NewRequest(&slipwayv1.ExecuteActionRequest{Action: "ping"}), token))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the run to succeed through the separate worker", func() bool {
		got, err := api.GetRun(ctx, withToken(connect.NewRequest(&slipwayv1.GetRunRequest{Id: resp.Msg.GetRun().GetId()}), token))
		return err == nil && got.Msg.GetRun().GetStatus() == "SUCCESS" && got.Msg.GetRun().GetStatusLabel() == "done by the backend"
	})
}

func TestWorkerRefusesToStartWithoutWebhookSecret(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.URL(t))
	t.Setenv("SLIPWAY_WEBHOOK_SECRET", "")
	srv := temporaltest.MustStart(t)
	t.Setenv("TEMPORAL_ADDRESS", srv.FrontendAddr)
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"worker"}, &bytes.Buffer{}, &errOut); code == 0 || !strings.Contains(errOut.String(), "SLIPWAY_WEBHOOK_SECRET") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
