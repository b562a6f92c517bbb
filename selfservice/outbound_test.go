package selfservice

import (
	"strings"
	"testing"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/outbound"
)

func TestDefinitionsCallingLiteralDeniedAddressesAreRefused(t *testing.T) {
	def := func(backend, notice string) []byte {
		return []byte(`{"identifier": "probe", "trigger": {"type": "self-service", "operation": "CREATE"},
		  "invocationMethod": {"type": "WEBHOOK", "url": "` + backend + `"},
		  "approvalNotification": {"type": "webhook", "url": "` + notice + `"}}`)
	}
	guarded := &Service{Outbound: outbound.MustParse(outbound.DefaultProduction)}
	_, _, err := guarded.parseForStorage(def("http://[::1]:8080/hook", "http://169.254.169.254/"))
	e, ok := err.(*slipway.Error)
	if !ok || e.Code != slipway.CodeInvalid || len(e.Violations) != 2 ||
		e.Violations[0].Field != "action.invocationMethod.url" || !strings.Contains(e.Violations[0].Message, "loopback") ||
		e.Violations[1].Field != "action.approvalNotification.url" || !strings.Contains(e.Violations[1].Message, "metadata") {
		t.Fatalf("got %#v", err)
	}
	if _, _, err := guarded.parseForStorage(def("http://localhost:8080/hook", "https://hooks.example.com/x")); err != nil {
		t.Errorf("hostnames are checked when dialled, not when written: %v", err)
	}
	if _, _, err := (&Service{}).parseForStorage(def("http://127.0.0.1/hook", "http://169.254.169.254/")); err != nil {
		t.Errorf("without a deny list nothing is refused: %v", err)
	}
}
