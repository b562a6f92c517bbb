package outbound_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/outbound"
)

// deniedClass is the class Check names, "" when ip is allowed.
func deniedClass(t *testing.T, d *outbound.DenyList, ip string) string {
	t.Helper()
	err := d.Check(netip.MustParseAddr(ip))
	if err == nil {
		return ""
	}
	var denied *outbound.DeniedError
	if !errors.As(err, &denied) {
		t.Fatalf("Check(%s) = %v, not a *DeniedError", ip, err)
	}
	return denied.Class
}

func TestParseGroupsCIDRsAndAddresses(t *testing.T) {
	d, err := outbound.Parse(" loopback, 10.0.0.0/8 ,192.0.2.7,fd00::/8, PRIVATE")
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]string{
		"127.0.0.1": "loopback", "127.9.9.9": "loopback", "::1": "loopback",
		"10.1.2.3": "10.0.0.0/8", "192.0.2.7": "192.0.2.7", "fd12::1": "fd00::/8",
		"172.16.0.1": "private", "192.168.1.1": "private",
		"192.0.2.8": "", "8.8.8.8": "", "2001:db8::1": "", "169.254.169.254": "",
	} {
		if got := deniedClass(t, d, ip); got != want {
			t.Errorf("%s: denied as %q, want %q", ip, got, want)
		}
	}
}

func TestParseNamesWhatItCannotRead(t *testing.T) {
	for _, spec := range []string{"loopback,nope", "10.0.0.0/33", "localhost", "127.0.0.1:80"} {
		_, err := outbound.Parse(spec)
		bad := strings.TrimPrefix(spec, "loopback,")
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("Parse(%q) = %v, want an error naming %q", spec, err, bad)
		}
	}
}

func TestEmptySpecDeniesNothing(t *testing.T) {
	for _, spec := range []string{"", " ", " , "} {
		d, err := outbound.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, ip := range []string{"127.0.0.1", "169.254.169.254", "0.0.0.0"} {
			if got := deniedClass(t, d, ip); got != "" {
				t.Errorf("Parse(%q) denies %s as %s", spec, ip, got)
			}
		}
	}
	var none *outbound.DenyList
	if err := none.Check(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("a nil list denies: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	prod, dev := outbound.MustParse(outbound.DefaultProduction), outbound.MustParse(outbound.DefaultDev)
	for ip, want := range map[string]string{
		"169.254.169.254": "metadata", "fd00:ec2::254": "metadata", "100.100.100.200": "metadata", "192.0.0.192": "metadata",
		"169.254.1.1": "link-local", "fe80::1": "link-local", "fe80::1%eth0": "link-local",
		"0.0.0.0": "unspecified", "::": "unspecified",
		// IPv4-mapped IPv6 addresses are their IPv4 address.
		"::ffff:169.254.169.254": "metadata", "::ffff:0.0.0.0": "unspecified",
		"10.0.0.1": "", "93.184.216.34": "", "2606:4700::1": "",
	} {
		if got := deniedClass(t, prod, ip); got != want {
			t.Errorf("production: %s denied as %q, want %q", ip, got, want)
		}
		if got := deniedClass(t, dev, ip); got != want {
			t.Errorf("dev: %s denied as %q, want %q", ip, got, want)
		}
	}
	for _, ip := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1"} {
		if got := deniedClass(t, prod, ip); got != "loopback" {
			t.Errorf("production: %s denied as %q, want loopback", ip, got)
		}
		if got := deniedClass(t, dev, ip); got != "" {
			t.Errorf("dev denies %s (%s): its demo backend is on loopback", ip, got)
		}
	}
}

func TestDeniedErrorNamesAddressAndClass(t *testing.T) {
	err := outbound.MustParse("link-local,metadata").Check(netip.MustParseAddr("169.254.169.254"))
	if err == nil || !strings.Contains(err.Error(), "169.254.169.254") || !strings.Contains(err.Error(), "metadata") ||
		!strings.Contains(err.Error(), "SLIPWAY_OUTBOUND_DENY") {
		t.Errorf("error %v: want the address, its class (the narrowest rule) and the setting", err)
	}
}

func TestCheckURLRefusesLiteralDeniedAddressesOnly(t *testing.T) {
	d := outbound.MustParse(outbound.DefaultProduction)
	for raw, denied := range map[string]bool{
		"http://169.254.169.254/latest/meta-data":     true,
		"http://[::1]:8080/hook":                      true,
		"https://[fe80::1%25eth0]/x":                  true,
		"http://0.0.0.0:9000":                         true,
		"http://127.0.0.1:8090/hooks/{{ .inputs.x }}": true,
		// Names are checked when they are dialled, with what they resolve to.
		"http://localhost:8080/hook":        false,
		"http://metadata.google.internal/":  false,
		"https://{{ .inputs.host }}/deploy": false,
		"https://backend.example.com/hook":  false,
		"http://10.0.0.5/hook":              false,
	} {
		err := d.CheckURL(raw)
		var de *outbound.DeniedError
		if got := errors.As(err, &de); got != denied {
			t.Errorf("CheckURL(%q) = %v, want denied %v", raw, err, denied)
		}
	}
}
