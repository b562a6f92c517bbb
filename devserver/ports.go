//go:build !slipway_lean

package devserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// startAttempts bounds the starts on fresh ports after a port was taken.
const startAttempts = 5

// retryable says whether a failed start lost a race for a port it picked
// itself. A frontend port the caller fixed (not 0) that is in use is the
// caller's problem, reported as is.
func retryable(err error, frontendAddr string) bool {
	if !errors.Is(err, syscall.EADDRINUSE) && !strings.Contains(err.Error(), "address already in use") {
		return false
	}
	if _, port, splitErr := net.SplitHostPort(frontendAddr); splitErr == nil && port != "0" {
		host, _, _ := net.SplitHostPort(frontendAddr)
		if host == "" {
			host = "127.0.0.1"
		}
		return !strings.Contains(err.Error(), net.JoinHostPort(host, port))
	}
	return true
}

// resolveAddr splits host:port and picks a free port when it is 0.
func resolveAddr(addr string, pickPort func(string) (int, error)) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if host == "" {
		host = "127.0.0.1"
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %w", portStr, err)
	}
	if port == 0 {
		port, err = pickPort(host)
	}
	return host, port, err
}

// freePort asks the kernel for a free port. Between this and the server's
// own bind another process may take it: Start retries then.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
