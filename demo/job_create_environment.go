package demo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// createEnvironment starts an environment of a service (a state file
// stands in for the infrastructure) and registers it with its expiry time,
// which sets Slipway's durable expiry timer.
func (b *Backend) createEnvironment(ctx context.Context, j *job) (outcome, error) {
	name, err := j.p.name("name")
	if err != nil {
		return outcome{}, err
	}
	service, err := j.p.text("service")
	if err != nil {
		return outcome{}, err
	}
	days, err := j.p.wholeNumber("ttl_days", 1, 30)
	if err != nil {
		return outcome{}, err
	}
	now := b.now().UTC().Truncate(time.Second)
	expires := now.AddDate(0, 0, days)
	j.step(ctx, "Provisioning environment %s of service %s for %d days", name, service, days)

	st := envState{Name: name, Service: service, Version: "latest", Replicas: 1, CreatedBy: j.p.Trigger.By.User.Email,
		CreatedAt: now.Format(time.RFC3339), ExpiresAt: expires.Format(time.RFC3339), DeployedAt: now.Format(time.RFC3339)}
	b.mu.Lock()
	err = b.createEnvState(st)
	b.mu.Unlock()
	if err != nil {
		return outcome{}, err
	}
	j.step(ctx, "Started 1 replica of %s:%s", service, st.Version)

	link := environmentURL(b.publicURL, name)
	_, err = j.api.upsert(ctx, entity{Blueprint: "environment", Identifier: name, Title: name,
		Properties: map[string]any{"expires_at": st.ExpiresAt, "version": st.Version, "replicas": st.Replicas, "url": link, "deployed_at": st.DeployedAt},
		Relations:  map[string]any{"service": service}})
	if err != nil {
		// Undo, so that the name is free for a corrected retry.
		b.mu.Lock()
		_ = os.Remove(b.envPath(name))
		b.mu.Unlock()
		return outcome{}, fmt.Errorf("the catalog refused environment %s: %w", name, err)
	}
	j.step(ctx, "Registered environment %s; it expires at %s", name, st.ExpiresAt)
	return outcome{label: fmt.Sprintf("Environment %s is up until %s", name, expires.Format("2 Jan 2006 15:04 MST")), links: []string{link}}, nil
}

// createEnvState runs with b.mu held.
func (b *Backend) createEnvState(st envState) error {
	_, err := b.readEnv(st.Name)
	switch {
	case err == nil:
		return fmt.Errorf("environment %s already exists", st.Name)
	case !errors.Is(err, errNoEnvState):
		return err
	}
	return b.writeEnv(st)
}
