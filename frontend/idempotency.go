package frontend

import (
	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/text"
)

// Idempotency keys of run starts and log lines: ExecuteAction and AddRunLog
// take one in their idempotency_key field or this header, Port's REST
// execute in the header, Port's REST logs in the header or idempotencyKey.
const (
	idempotencyKeyHeader = "Idempotency-Key"
	// idempotentReplayedHeader marks an answer with the run an earlier call
	// with the same key started (as Stripe does).
	idempotentReplayedHeader = "Idempotent-Replayed"
)

// idempotencyKey is the key of a request from its header and, where the
// request has one, its field: either may carry it; both must then agree.
func idempotencyKey(header, field, fieldValue string) (string, error) {
	if err := text.Check(idempotencyKeyHeader, text.Identifier, header); err != nil {
		return "", err
	}
	switch {
	case header == "":
		return fieldValue, nil
	case fieldValue != "" && fieldValue != header:
		return "", slipway.FieldError(field, "differs from the %s header: send the key once, or the same in both", idempotencyKeyHeader)
	}
	return header, nil
}
