// Package audittest makes the audit log fail for real in a test's own
// database, to prove that a change whose audit event cannot be recorded
// does not happen.
package audittest

import (
	"context"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/db"
)

// Refused is the message of the error every refused audit insert fails with.
const Refused = "audit events refused by the test"

// RefuseEvents makes PostgreSQL refuse every audit insert in store's
// database (a trigger raising insufficient_privilege, as a revoked INSERT
// would) until the returned function is called or the test ends. store
// must be the test's own database (pgtest.MustStore).
func RefuseEvents(tb testing.TB, store *db.Store) (allow func()) {
	tb.Helper()
	ctx := context.Background()
	_, err := store.Pool.Exec(ctx, `
CREATE OR REPLACE FUNCTION audittest_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '`+Refused+`' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audittest_refuse BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audittest_refuse();`)
	if err != nil {
		tb.Fatalf("refuse audit events: %v", err)
	}
	allowed := false
	allow = func() {
		if allowed {
			return
		}
		allowed = true
		if _, err := store.Pool.Exec(ctx, `DROP TRIGGER audittest_refuse ON audit_events`); err != nil {
			tb.Errorf("allow audit events again: %v", err)
		}
	}
	tb.Cleanup(allow)
	return allow
}

// EachRefused makes each named change and fails the test for every one
// that did not fail with the refusal of its audit event.
func EachRefused(tb testing.TB, changes map[string]func() error) {
	tb.Helper()
	for name, change := range changes {
		if err := change(); err == nil || !strings.Contains(err.Error(), Refused) {
			tb.Errorf("%s with its audit event refused: %v; want the refusal", name, err)
		}
	}
}
