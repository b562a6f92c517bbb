package actions

import (
	"bytes"
	"encoding/json"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// validateKafka checks a KAFKA invocation: Port's shape carries only an
// optional payload template; brokers, topic and credentials are the
// operator's configuration (SLIPWAY_KAFKA_*), never the definition's.
func validateKafka(inv Invocation, v *violations) {
	if b := bytes.TrimSpace(inv.Payload); len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return
	}
	var payload any
	if err := json.Unmarshal(inv.Payload, &payload); err != nil {
		v.add("invocationMethod.payload", "must be JSON")
		return
	}
	v.addAll(jqtemplate.Check(payload, "invocationMethod.payload"))
}
