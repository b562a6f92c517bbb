package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/secretstore"
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

// prepareCall opens data's secret inputs and the named secrets the
// templates use, and builds the templates' scope. templates are the
// definition's templated values the call will render (strings, maps,
// JSON): exactly the secrets they name ({{ .secrets.NAME }}) are loaded.
// Its errors are non-retryable, except a store that cannot be read now: a
// secret that cannot be opened now will not open on a retry.
func (a *Activities) prepareCall(ctx context.Context, data json.RawMessage, templates ...any) (backendCall, error) {
	payload, plaintexts, err := a.openSecretInputs(data)
	if err != nil {
		return backendCall{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeSecret, nil)
	}
	named, err := a.openNamedSecrets(ctx, templates)
	if err != nil {
		return backendCall{}, err
	}
	for _, v := range named {
		plaintexts = append(plaintexts, secretTexts(v)...)
	}
	call := backendCall{Payload: payload, Redact: newRedactor(plaintexts)}
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &call.Scope); err != nil {
			return backendCall{}, temporal.NewNonRetryableApplicationError("the run's payload is not JSON", ErrTypeTemplate, nil)
		}
	}
	if named != nil {
		scope, ok := call.Scope.(map[string]any)
		if !ok && call.Scope != nil {
			return backendCall{}, temporal.NewNonRetryableApplicationError("the run's payload is not an object, so templates cannot read .secrets", ErrTypeTemplate, nil)
		}
		if scope == nil {
			scope = map[string]any{}
		}
		scope[jqtemplate.SecretsKey] = named
		call.Scope = scope
	}
	return call, nil
}

// openNamedSecrets loads and opens the secrets templates name; nil when
// they name none. A missing secret (deleted since the definition was
// saved) or one that does not open fails the run at once, naming it.
func (a *Activities) openNamedSecrets(ctx context.Context, templates []any) (map[string]any, error) {
	refs, _ := jqtemplate.SecretRefs(templates, "")
	names := jqtemplate.SecretNames(refs)
	if len(names) == 0 {
		return nil, nil
	}
	if a.Store == nil {
		return nil, temporal.NewNonRetryableApplicationError("this worker has no database to read secrets "+strings.Join(names, ", ")+" from", ErrTypeSecret, nil)
	}
	store := secretstore.Store{DB: a.Store, Keys: a.Secrets}
	values, err := store.Open(ctx, names)
	switch {
	case err == nil:
	case a.Secrets == nil || errors.Is(err, secrets.ErrUnknownKey) || errors.Is(err, secrets.ErrTampered) || db.Permanent(err):
		// The message names the secret and its key, never its value.
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeSecret, nil)
	default:
		return nil, fmt.Errorf("read secrets %s: %w", strings.Join(names, ", "), err) // the database may be back on a retry
	}
	var missing []string
	out := make(map[string]any, len(values))
	for _, n := range names {
		v, ok := values[n]
		if !ok {
			missing = append(missing, n)
			continue
		}
		out[n] = v
	}
	if len(missing) > 0 {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("secret %s does not exist: an admin sets it (slipway secret set %s)",
			strings.Join(missing, ", "), missing[0]), ErrTypeSecretMissing, nil)
	}
	return out, nil
}
