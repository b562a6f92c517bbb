package outbound

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// The operator's proxy is trusted at any address, loopback included; the
// target is the proxy's business.
func TestProxyConfiguredByTheOperatorIsTrusted(t *testing.T) {
	var proxied atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(r.URL.String()) // a forward proxy gets the absolute URL
		w.WriteHeader(http.StatusNoContent)
	}))
	defer proxy.Close()
	proxyURL, _ := url.Parse(proxy.URL)
	client := newClient(MustParse("loopback"), 5*time.Second, http.ProxyURL(proxyURL))
	resp, err := client.Get("http://backend.example/hook")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, _ := proxied.Load().(string); got != "http://backend.example/hook" {
		t.Fatalf("proxy received %q", got)
	}
}
