package outbound

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// NewClient is an HTTP client whose every connection is checked against
// deny after name resolution, on the address about to be connected: a
// hostname that resolves (or re-resolves) to a denied address and a
// redirect to one are refused alike. Redirects are followed (up to 10, as
// net/http does); each new connection they need goes through the check.
//
// Proxies: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are honoured. A proxied
// request connects only to the proxy, which the operator configured and
// this client therefore trusts at any address (a sidecar on 127.0.0.1
// works with loopback denied); where the proxy connects next is up to the
// proxy, so give it the same rules. Requests to localhost and loopback
// addresses never use a proxy (net/http's rule) and stay checked.
func NewClient(deny *DenyList, timeout time.Duration) *http.Client {
	return newClient(deny, timeout, http.ProxyFromEnvironment)
}

func newClient(deny *DenyList, timeout time.Duration, proxy func(*http.Request) (*url.URL, error)) *http.Client {
	plain := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	guarded := *plain
	guarded.Control = deny.control
	var proxies trustedProxies
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = func(req *http.Request) (*url.URL, error) {
		u, err := proxy(req)
		if u != nil {
			proxies.add(u)
		}
		return u, err
	}
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies.has(addr) {
			return plain.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: timeout, Transport: transport}
}

// control runs after resolution, before each connect: address is the IP
// and port being dialled.
func (d *DenyList) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("outbound: cannot check address %q: %w", address, err)
	}
	return d.Check(ap.Addr())
}

// trustedProxies are the host:port of the proxies requests went through,
// as the transport dials them.
type trustedProxies struct {
	mu    sync.Mutex
	addrs map[string]bool
}

func (t *trustedProxies) add(u *url.URL) {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.addrs == nil {
		t.addrs = map[string]bool{}
	}
	t.addrs[net.JoinHostPort(u.Hostname(), port)] = true
}

func (t *trustedProxies) has(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addrs[addr]
}
