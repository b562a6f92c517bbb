package demo

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// versionRE is an image tag, as the action's form asks for it.
var versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// redeploy "rolls out" a version to an environment, logging each step,
// and records the version and the time on its catalog entry.
func (b *Backend) redeploy(ctx context.Context, j *job) (outcome, error) {
	env, err := j.p.subject()
	if err != nil {
		return outcome{}, err
	}
	version, err := j.p.text("version")
	if err != nil {
		return outcome{}, err
	}
	if !versionRE.MatchString(version) {
		return outcome{}, fmt.Errorf("inputs.version: %q is not an image tag (letters, digits and ._-)", version)
	}
	service, _ := env.Relations["service"].(string)
	if service == "" {
		service = env.Identifier
	}
	replicas := 1
	if n, ok := env.Properties["replicas"].(float64); ok && n >= 1 {
		replicas = int(n)
	}
	j.step(ctx, "Pulling image %s:%s", service, version)
	j.step(ctx, "Rolling out %s:%s to %d replica(s) of %s", service, version, replicas, env.Identifier)
	now := b.now().UTC().Truncate(time.Second).Format(time.RFC3339)
	b.mu.Lock()
	err = b.updateEnvState(env.Identifier, func(st *envState) { st.Version, st.DeployedAt = version, now })
	b.mu.Unlock()
	if err != nil {
		return outcome{}, err
	}
	j.step(ctx, "Health check passed on %d/%d replica(s)", replicas, replicas)

	env.Properties["version"] = version
	env.Properties["deployed_at"] = now
	if _, err := j.api.upsert(ctx, *env); err != nil {
		return outcome{}, fmt.Errorf("the catalog refused environment %s: %w", env.Identifier, err)
	}
	var links []string
	if u, ok := env.Properties["url"].(string); ok && u != "" {
		links = []string{u}
	}
	return outcome{label: fmt.Sprintf("Deployed %s to %s", version, env.Identifier), links: links}, nil
}
