package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// changeReplicaCount commits the new count to the service's repository
// (scaffolding it first if the service never had one) and updates the
// service's catalog entry.
func (b *Backend) changeReplicaCount(ctx context.Context, j *job) (outcome, error) {
	svc, err := j.p.subject()
	if err != nil {
		return outcome{}, err
	}
	n, err := j.p.wholeNumber("replicas", 0, 20)
	if err != nil {
		return outcome{}, err
	}
	repo := filepath.Join(b.reposDir(), svc.Identifier)
	message := fmt.Sprintf("Scale %s to %d replicas", svc.Identifier, n)

	b.mu.Lock()
	commit, changed, err := b.commitReplicas(ctx, j, svc, repo, n, message)
	b.mu.Unlock()
	if err != nil {
		return outcome{}, err
	}
	if changed {
		j.step(ctx, "Committed %s %q to %s", commit, message, replicasFile)
	} else {
		j.step(ctx, "%s already says %d replicas: nothing to commit", replicasFile, n)
	}

	svc.Properties["replicas"] = n
	if _, err := j.api.upsert(ctx, *svc); err != nil {
		return outcome{}, fmt.Errorf("the catalog refused service %s: %w", svc.Identifier, err)
	}
	j.step(ctx, "Catalog entry of %s now says %d replicas", svc.Identifier, n)
	return outcome{label: fmt.Sprintf("Scaled %s to %d replicas", svc.Identifier, n), links: []string{repoURL(b.publicURL, svc.Identifier)}}, nil
}

// commitReplicas runs with b.mu held.
func (b *Backend) commitReplicas(ctx context.Context, j *job, svc *entity, repo string, n int, message string) (string, bool, error) {
	if _, err := os.Stat(repo); errors.Is(err, fs.ErrNotExist) {
		lang, _ := svc.Properties["language"].(string)
		if err := checkLanguage("entity.properties.language", lang); err != nil {
			return "", false, err
		}
		j.step(ctx, "Service %s has no repository yet: scaffolding one", svc.Identifier)
		current, _ := svc.Properties["replicas"].(float64)
		sk := skeleton{Name: svc.Identifier, Language: lang, Team: svc.Team, Replicas: int(current)}
		if _, err := createRepo(ctx, b.reposDir(), sk, j.p.requester()); err != nil {
			return "", false, fmt.Errorf("could not create the repository: %w", err)
		}
	}
	commit, changed, err := commitFile(ctx, repo, replicasFile, replicasYAML(svc.Identifier, n), message, j.p.requester())
	if err != nil {
		return "", false, fmt.Errorf("could not commit %s: %w", replicasFile, err)
	}
	return commit, changed, nil
}
