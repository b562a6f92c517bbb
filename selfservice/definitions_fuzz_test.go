package selfservice

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/outbound"
)

// FuzzDefinitionWritePath: what CreateAction and UpdateAction check before
// storing (parse, then the operator's deny list) answers with a coded error
// whose every field is under "action", or with a definition that reads back
// as stored and calls no literal address the deny list denies.
func FuzzDefinitionWritePath(f *testing.F) {
	def := func(backend, notice string) []byte {
		return []byte(`{"identifier": "probe", "trigger": {"type": "self-service", "operation": "CREATE"},
		  "invocationMethod": {"type": "WEBHOOK", "url": "` + backend + `"},
		  "approvalNotification": {"type": "webhook", "url": "` + notice + `"}}`)
	}
	f.Add(def("https://backend.example/hook", "https://hooks.example.com/x"))
	f.Add(def("http://[::1]:8080/hook", "http://169.254.169.254/"))
	f.Add(def("http://[::ffff:127.0.0.1]/hook", "http://[::ffff:a9fe:a9fe]/"))
	f.Add(def("http://127.0.0.1:80/", "http://[fe80::1%25eth0]/"))
	f.Add(def("http://0.0.0.0/", "http://10.0.0.1/"))
	f.Add([]byte(`{"identifier": "x", "trigger": "CREATE", "invocationMethod": {"type": "WEBHOOK", "url": 5}}`))
	deny := outbound.MustParse(outbound.DefaultProduction)
	guarded := &Service{Outbound: deny}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var d actions.Definition
		var stored []byte
		var err error
		done := make(chan struct{})
		go func() { defer close(done); d, stored, err = guarded.parseForStorage(raw) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("parseForStorage did not return within 5s")
		}
		if err != nil {
			var e *slipway.Error
			if !errors.As(err, &e) || e.Code != slipway.CodeInvalid || (e.Field == "" && len(e.Violations) == 0) {
				t.Fatalf("not a coded field error: %#v", err)
			}
			for _, v := range e.Violations {
				if !strings.HasPrefix(v.Field, "action") {
					t.Fatalf("violation %q does not name a request field", v)
				}
			}
			return
		}
		if _, err := actions.Parse(stored); err != nil {
			t.Fatalf("stored definition %s does not read back: %v", stored, err)
		}
		urls := map[string]string{}
		if d.InvocationMethod.Type == "WEBHOOK" {
			urls["invocationMethod.url"] = d.InvocationMethod.URL
		}
		if u, _, ok := d.NotificationWebhook(); ok {
			urls["approvalNotification.url"] = u
		}
		for field, raw := range urls {
			u, err := url.Parse(raw)
			if err != nil {
				continue
			}
			ip, err := netip.ParseAddr(u.Hostname())
			if err != nil {
				continue // hostnames are checked when dialled
			}
			var denied *outbound.DeniedError
			if errors.As(deny.Check(ip.Unmap()), &denied) {
				t.Fatalf("%s %q calls %s, which the deny list denies (%s), and was accepted", field, raw, ip, denied.Reason())
			}
		}
	})
}
