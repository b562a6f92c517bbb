// Package temporaltest starts a real Temporal server in-process for a test:
// Temporal's own server on in-memory SQLite, on free ports, with Slipway's
// namespace and search attributes. It links the whole server, so only tests
// that claim integration with Temporal import it.
package temporaltest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipwayhq/slipway/devserver"
	"github.com/slipwayhq/slipway/temporalclient"
	"github.com/slipwayhq/slipway/workflows"
)

// Namespace is the namespace test servers create.
const Namespace = "default"

// Server is a running test server and a client on it.
type Server struct {
	*devserver.Server
	Client client.Client
}

// MustStart starts a server that stops when the test ends.
func MustStart(tb testing.TB) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Errors only, to stderr: the server may still log after the test ended,
	// when testing.T no longer accepts output.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv, err := devserver.Start(ctx, devserver.Options{
		FrontendAddr:     "127.0.0.1:0",
		Namespace:        Namespace,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           logger,
	})
	if err != nil {
		tb.Fatalf("start temporal: %v", err)
	}
	c, err := temporalclient.Dial(ctx, srv.FrontendAddr, Namespace, logger)
	if err != nil {
		srv.Stop()
		tb.Fatalf("dial temporal: %v", err)
	}
	tb.Cleanup(func() { c.Close(); srv.Stop() })
	return &Server{Server: srv, Client: c}
}

// WriteHistory saves a workflow's history as JSON, the format replay tests
// (and `temporal workflow show --output json`) use.
func WriteHistory(tb testing.TB, c client.Client, workflowID, runID, path string) {
	tb.Helper()
	iter := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			tb.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("recorded %d events of %s in %s", len(h.Events), workflowID, path)
}
