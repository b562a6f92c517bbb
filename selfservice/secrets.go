package selfservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/secrets"
)

// sealInputs replaces the value of every secret input (marked "encryption")
// with its ciphertext, bound to the run and the input. Only sealed values
// leave the frontend: the run row, the workflow input and its history.
func (s *Service) sealInputs(d actions.Definition, runID string, inputs map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(inputs))
	for name, v := range inputs {
		out[name] = v
		if in, ok := d.Trigger.UserInputs.Properties[name]; !ok || !in.Secret() || v == nil {
			continue
		}
		if s.Secrets == nil {
			return nil, slipway.Errorf(slipway.CodePrecondition, "action %s has encrypted inputs, and this server has no encryption key (SLIPWAY_ENCRYPTION_KEY)", d.Identifier)
		}
		sealed, err := s.Secrets.SealInput(runID, name, v)
		if err != nil {
			return nil, fmt.Errorf("seal inputs.%s: %w", name, err)
		}
		out[name] = sealed
	}
	return out, nil
}

// rerunInputs are a run's inputs for a new run: secret values are opened
// for the run's own requester, who typed them; anyone else re-running it
// does not get to reuse them, so the action's defaults and required rules apply.
func (s *Service) rerunInputs(ctx context.Context, actor slipway.User, run Run) (map[string]any, error) {
	runID, err := uuid.Parse(run.ID)
	if err != nil {
		return nil, slipway.FieldError("id", "must be a run id (UUID)")
	}
	row, err := s.Store.Q.GetRun(ctx, runID)
	if err != nil {
		return nil, db.MapError(err, "run "+run.ID)
	}
	var stored map[string]any
	if err := json.Unmarshal(row.Inputs, &stored); err != nil {
		return nil, fmt.Errorf("run %s: stored inputs: %w", run.ID, err)
	}
	for name, v := range stored {
		if !secrets.IsSealed(v) {
			continue
		}
		if actor.ID != row.RequestedBy || s.Secrets == nil {
			delete(stored, name)
			continue
		}
		plain, err := s.Secrets.OpenInput(run.ID, name, v.(string))
		if errors.Is(err, secrets.ErrUnknownKey) {
			return nil, slipway.FieldError("inputs."+name, "was encrypted with a key this server no longer has: run the action again with a new value")
		}
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", run.ID, err)
		}
		stored[name] = plain
	}
	return stored, nil
}

// redactSecrets keeps a requester's secret values out of the messages of
// an invalid-inputs error: validators quote what they refuse, and errors
// are logged and shown.
func redactSecrets(err error, d actions.Definition, inputs map[string]any) error {
	var e *slipway.Error
	if !errors.As(err, &e) {
		return err
	}
	var texts []string
	for name, in := range d.Trigger.UserInputs.Properties {
		if v, ok := inputs[name]; ok && in.Secret() && v != nil {
			b, _ := json.Marshal(v)
			texts = append(texts, strings.Trim(string(b), `"`), fmt.Sprint(v))
		}
	}
	if len(texts) == 0 {
		return err
	}
	redact := func(s string) string {
		for _, t := range texts {
			if t != "" {
				s = strings.ReplaceAll(s, t, secrets.Mask)
			}
		}
		return s
	}
	out := *e
	out.Message = redact(e.Message)
	out.Violations = make([]slipway.Violation, len(e.Violations))
	for i, v := range e.Violations {
		out.Violations[i] = slipway.Violation{Field: v.Field, Message: redact(v.Message)}
	}
	return &out
}
