//go:build !slipway_lean

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/testkit"
)

func TestDemoBackendCommandServesUntilStopped(t *testing.T) {
	t.Setenv("SLIPWAY_WEBHOOK_SECRET", "a-secret")
	ctx, stop := context.WithCancel(context.Background())
	var out testkit.LockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"demo-backend", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--slipway-url", "http://127.0.0.1:1"}, &out, io.Discard)
	}()
	addr := regexp.MustCompile(`on (http://\S+),`)
	var url string
	waitUntil(t, 10*time.Second, "the demo backend to listen", func() bool {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		return url != ""
	})
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	// An unsigned call is refused.
	resp, err = http.Post(url+"/hooks/redeploy", "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned call: %v %v", resp, err)
	}
	resp.Body.Close()
	stop()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d", c)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the demo backend did not stop")
	}
}

func TestDemoBackendCommandNeedsTheWebhookSecret(t *testing.T) {
	t.Setenv("SLIPWAY_WEBHOOK_SECRET", "")
	var errOut bytes.Buffer
	if c := run(context.Background(), []string{"demo-backend", "--data-dir", t.TempDir()}, io.Discard, &errOut); c != 1 || !strings.Contains(errOut.String(), "SLIPWAY_WEBHOOK_SECRET") {
		t.Errorf("exit %d, stderr %q: want 1 naming SLIPWAY_WEBHOOK_SECRET", c, errOut.String())
	}
}
