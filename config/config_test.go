package config

import (
	"net/netip"
	"strings"
	"testing"
)

func lookupFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsInDevMode(t *testing.T) {
	c, err := fromLookup(lookupFrom(nil), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.TemporalAddress != "127.0.0.1:7233" || c.TemporalUIAddr != "127.0.0.1:8233" {
		t.Errorf("unexpected default addresses: %+v", c)
	}
	if !c.DevLogin {
		t.Error("dev mode should enable the dev login by default")
	}
	if c.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("PublicURL = %q", c.PublicURL)
	}
	if !c.Demo || c.DemoBackendAddr != "127.0.0.1:8090" || c.DemoBackendURL != "" {
		t.Errorf("demo defaults: Demo %v, addr %q, URL %q", c.Demo, c.DemoBackendAddr, c.DemoBackendURL)
	}
}

func TestProductionNeedsDatabaseURL(t *testing.T) {
	_, err := fromLookup(lookupFrom(nil), false)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("want an error naming DATABASE_URL, got %v", err)
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	_, err := fromLookup(lookupFrom(map[string]string{
		"SLIPWAY_PG_PORT":     "nope",
		"SLIPWAY_SESSION_TTL": "-1h",
		"SLIPWAY_LOG_FORMAT":  "xml",
		"SLIPWAY_DEV_LOGIN":   "maybe",
		"SLIPWAY_DEMO":        "sometimes",
	}), true)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"SLIPWAY_PG_PORT", "SLIPWAY_SESSION_TTL", "SLIPWAY_LOG_FORMAT", "SLIPWAY_DEV_LOGIN", "SLIPWAY_DEMO"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestOutboundDenyDefaultsAndOverrides(t *testing.T) {
	loopback, metadata := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("169.254.169.254")
	prod, err := fromLookup(lookupFrom(map[string]string{"DATABASE_URL": "postgres://x"}), false)
	if err != nil {
		t.Fatal(err)
	}
	if prod.OutboundDeny.Check(loopback) == nil || prod.OutboundDeny.Check(metadata) == nil {
		t.Errorf("production default %q must deny loopback and metadata", prod.OutboundDeny)
	}
	dev, _ := fromLookup(lookupFrom(nil), true)
	if dev.OutboundDeny.Check(loopback) != nil || dev.OutboundDeny.Check(metadata) == nil {
		t.Errorf("dev default %q must allow loopback and deny metadata", dev.OutboundDeny)
	}
	explicit, _ := fromLookup(lookupFrom(map[string]string{"SLIPWAY_OUTBOUND_DENY": "loopback, 10.0.0.0/8"}), true)
	if explicit.OutboundDeny.Check(loopback) == nil || explicit.OutboundDeny.Check(metadata) != nil {
		t.Errorf("an explicit list %q replaces the default", explicit.OutboundDeny)
	}
	empty, _ := fromLookup(lookupFrom(map[string]string{"SLIPWAY_OUTBOUND_DENY": " "}), false)
	if empty.OutboundDeny.Check(metadata) != nil || empty.OutboundDeny.Check(loopback) != nil {
		t.Errorf("an empty setting must deny nothing, got %q", empty.OutboundDeny)
	}
	_, err = fromLookup(lookupFrom(map[string]string{"SLIPWAY_OUTBOUND_DENY": "loopback,intranet"}), true)
	if err == nil || !strings.Contains(err.Error(), "SLIPWAY_OUTBOUND_DENY") || !strings.Contains(err.Error(), "intranet") {
		t.Errorf("a bad item: %v", err)
	}
}
