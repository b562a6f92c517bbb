package activities

import (
	"context"
	"encoding/json"

	"go.temporal.io/sdk/temporal"
)

// backendCall is what one call to a backend is made from, inside the
// activity that makes it: the only place where secrets exist in plaintext.
// Every backend (webhook, GitHub, GitLab, Kafka, Temporal) prepares its
// call with prepareCall, so secret inputs and the secret store are handled
// once for all of them.
type backendCall struct {
	// Payload is Port's trigger data with secret inputs opened: what a
	// backend is sent when its definition configures no body of its own.
	Payload json.RawMessage
	// Scope is what the definition's {{ jq }} templates see: the payload's
	// fields (.inputs, .run, .entity, .trigger...) and, from the secret
	// store, .secrets with the secrets the templates name.
	Scope any
	// Redact masks every opened value in whatever the call returns or
	// fails with: both land in the history, and labels in the run row.
	Redact redactor
}

// prepareCall opens data's secret inputs and builds the templates' scope.
// templates are the definition's templated values the call will render
// (strings, maps, JSON): the secrets they name are the ones loaded. Its
// errors are non-retryable: a secret that cannot be opened now will not
// open on a retry.
func (a *Activities) prepareCall(_ context.Context, data json.RawMessage, templates ...any) (backendCall, error) {
	_ = templates // the secret store (issue #11) loads the secrets they name
	payload, plaintexts, err := a.openSecretInputs(data)
	if err != nil {
		return backendCall{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeSecret, nil)
	}
	call := backendCall{Payload: payload, Redact: newRedactor(plaintexts)}
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &call.Scope); err != nil {
			return backendCall{}, temporal.NewNonRetryableApplicationError("the run's payload is not JSON", ErrTypeTemplate, nil)
		}
	}
	return call, nil
}
