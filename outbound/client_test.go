package outbound_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/outbound"
)

// countingServer answers 204 and counts the requests it received.
func countingServer(t *testing.T, l net.Listener) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	if l != nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &hits
}

func wantDenied(t *testing.T, err error, class string) {
	t.Helper()
	var denied *outbound.DeniedError
	if !errors.As(err, &denied) || denied.Class != class {
		t.Fatalf("error %v: want a *DeniedError of class %s", err, class)
	}
}

func TestClientRefusesLoopbackWhenDenied(t *testing.T) {
	srv, hits := countingServer(t, nil)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	guarded := outbound.NewClient(outbound.MustParse("loopback"), 5*time.Second)
	for _, u := range []string{srv.URL, fmt.Sprintf("http://localhost:%d/hook", port)} {
		resp, err := guarded.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		wantDenied(t, err, "loopback")
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server received %d requests", n)
	}

	allowed := outbound.NewClient(outbound.MustParse(outbound.DefaultDev), 5*time.Second)
	resp, err := allowed.Get(fmt.Sprintf("http://localhost:%d/", port))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatal("the allowed call did not arrive")
	}
}

// A redirect is another connection: it goes through the same check.
func TestRedirectToDeniedAddressIsRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address here: %v", err)
	}
	target, targetHits := countingServer(t, l)
	var redirects atomic.Int32
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirects.Add(1)
		http.Redirect(w, r, target.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	defer first.Close()

	client := outbound.NewClient(outbound.MustParse("127.0.0.2/32"), 5*time.Second)
	resp, err := client.Post(first.URL, "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
	}
	wantDenied(t, err, "127.0.0.2/32")
	if redirects.Load() != 1 || targetHits.Load() != 0 {
		t.Fatalf("redirecting server saw %d, denied target %d requests", redirects.Load(), targetHits.Load())
	}
}
