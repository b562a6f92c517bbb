package workflows_test

import (
	"fmt"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/testkit"
)

// startRealRuns starts a real Temporal server and a worker with the real
// activities on store, and returns its client and an action whose
// asynchronous backend accepts every call (the test then reports as the
// backend). Everything stops when the test ends.
func startRealRuns(t *testing.T, store *db.Store) (client.Client, actions.Definition) {
	t.Helper()
	backend := testkit.MustBackend(t)
	def, err := actions.Parse([]byte(fmt.Sprintf(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {}}}, "invocationMethod": {"type": "WEBHOOK", "url": %q}}`, backend.URL)))
	if err != nil {
		t.Fatal(err)
	}
	srv := serverWithWorker(t, &activities.Activities{Store: store, WebhookSecret: []byte("s3cret")})
	return srv.Client, def
}
