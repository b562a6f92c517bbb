package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// deleteEnvironment tears the environment down. Slipway removes its
// catalog entry when the run ends in SUCCESS; this action also runs by
// itself (origin AUTOMATION) when the environment expires.
func (b *Backend) deleteEnvironment(ctx context.Context, j *job) (outcome, error) {
	env, err := j.p.subject()
	if err != nil {
		return outcome{}, err
	}
	if j.p.Trigger.Origin == "AUTOMATION" {
		j.step(ctx, "Environment %s expired: tearing it down", env.Identifier)
	} else {
		j.step(ctx, "Tearing down environment %s", env.Identifier)
	}
	b.mu.Lock()
	err = os.Remove(b.envPath(env.Identifier))
	b.mu.Unlock()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		j.step(ctx, "Environment %s had no state here: nothing was running", env.Identifier)
	case err != nil:
		return outcome{}, fmt.Errorf("could not remove the state of %s: %w", env.Identifier, err)
	default:
		j.step(ctx, "Stopped %s and removed its state", env.Identifier)
	}
	return outcome{label: fmt.Sprintf("Environment %s deleted", env.Identifier)}, nil
}
