package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// scaffoldService creates the service's repository with a skeleton for
// its language and registers the service in the catalog.
func (b *Backend) scaffoldService(ctx context.Context, j *job) (outcome, error) {
	name, err := j.p.name("name")
	if err != nil {
		return outcome{}, err
	}
	lang, err := j.p.text("language")
	if err != nil {
		return outcome{}, err
	}
	if err := checkLanguage("inputs.language", lang); err != nil {
		return outcome{}, err
	}
	team, err := j.p.text("team")
	if err != nil {
		return outcome{}, err
	}
	j.step(ctx, "Scaffolding %s service %s for team %s", lang, name, team)
	sk := skeleton{Name: name, Language: lang, Team: team, Replicas: 1}
	b.mu.Lock()
	commit, err := createRepo(ctx, b.reposDir(), sk, j.p.requester())
	b.mu.Unlock()
	if err != nil {
		return outcome{}, fmt.Errorf("could not create the repository: %w", err)
	}
	j.step(ctx, "Created repository %s: commit %s %q", name, commit, sk.commitMessage())

	link := repoURL(b.publicURL, name)
	_, err = j.api.upsert(ctx, entity{Blueprint: "service", Identifier: name, Title: name, Team: team,
		Properties: map[string]any{"language": lang, "repository": link, "replicas": sk.Replicas}})
	if err != nil {
		// Without its catalog entry the repository would block a retry.
		b.mu.Lock()
		_ = os.RemoveAll(filepath.Join(b.reposDir(), name))
		b.mu.Unlock()
		return outcome{}, fmt.Errorf("the catalog refused service %s: %w", name, err)
	}
	j.step(ctx, "Registered service %s in the catalog, owned by team %s", name, team)
	return outcome{label: fmt.Sprintf("Service %s scaffolded", name), links: []string{link}}, nil
}
