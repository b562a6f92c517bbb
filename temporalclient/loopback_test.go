package temporalclient

import "testing"

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"localhost:7233": true, "127.0.0.1:7233": true, "127.9.9.9:1": true, "[::1]:7233": true,
		"temporal:7233": false, "10.0.0.5:7233": false, "[2001:db8::1]:7233": false, "localhost": false, "": false,
	} {
		if got := Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
