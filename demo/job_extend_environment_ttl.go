package demo

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// extension is how much later "Extend TTL" moves an environment's expiry.
const extension = 3 * 24 * time.Hour

// extendEnvironmentTTL moves expires_at 3 days later. Writing the entity
// moves Slipway's expiry timer with it.
func (b *Backend) extendEnvironmentTTL(ctx context.Context, j *job) (outcome, error) {
	env, err := j.p.subject()
	if err != nil {
		return outcome{}, err
	}
	from, err := time.Parse(time.RFC3339, fmt.Sprint(env.Properties["expires_at"]))
	if err != nil {
		// An environment without an expiry gets one, 3 days from now.
		from = b.now().UTC().Truncate(time.Second)
		j.step(ctx, "Environment %s had no expiry time: counting from now", env.Identifier)
	}
	until := from.Add(extension).UTC()
	env.Properties["expires_at"] = until.Format(time.RFC3339)
	j.step(ctx, "Moving the expiry of %s from %s to %s", env.Identifier, from.UTC().Format(time.RFC3339), until.Format(time.RFC3339))

	b.mu.Lock()
	err = b.updateEnvState(env.Identifier, func(st *envState) { st.ExpiresAt = until.Format(time.RFC3339) })
	b.mu.Unlock()
	if err != nil {
		return outcome{}, err
	}
	if _, err := j.api.upsert(ctx, *env); err != nil {
		return outcome{}, fmt.Errorf("the catalog refused environment %s: %w", env.Identifier, err)
	}
	j.step(ctx, "Expiry timer moved")
	return outcome{label: "Expires at " + until.Format("2 Jan 2006 15:04 MST") + ", 3 days later"}, nil
}

// updateEnvState changes the state file of an environment if it has one:
// environments made outside the demo have none, and the catalog is still
// theirs to change. It runs with b.mu held.
func (b *Backend) updateEnvState(name string, change func(*envState)) error {
	st, err := b.readEnv(name)
	if errors.Is(err, errNoEnvState) {
		return nil
	}
	if err != nil {
		return err
	}
	change(&st)
	return b.writeEnv(st)
}
