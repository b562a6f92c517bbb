package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// committer is who commits for the demo; the author is the run's requester.
var committer = person{Name: "Slipway demo backend", Email: "demo-backend@slipway.invalid"}

// git runs git in dir, as author. The user's global and system git
// configuration and GIT_* variables are left out, so that their settings
// (commit signing, hooks, another default branch) cannot break or change
// the demo's commits.
func git(ctx context.Context, dir string, author person, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME="+author.Name, "GIT_AUTHOR_EMAIL="+author.Email,
		"GIT_COMMITTER_NAME="+committer.Name, "GIT_COMMITTER_EMAIL="+committer.Email,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", errors.New("git is not installed where the demo backend runs; service repositories need it")
		}
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return strings.TrimRight(stdout.String(), "\n"), nil
}

// createRepo makes the repository of a new service in reposDir with its
// skeleton as the first commit, and returns that commit. It is built in a
// temporary folder and renamed into place, so a failure leaves nothing
// half-made behind and the repository appears whole.
func createRepo(ctx context.Context, reposDir string, sk skeleton, author person) (string, error) {
	final := filepath.Join(reposDir, sk.Name)
	if _, err := os.Stat(final); err == nil {
		return "", fmt.Errorf("repository %s already exists", sk.Name)
	}
	if err := os.MkdirAll(reposDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(reposDir, ".new-"+sk.Name+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // gone already once renamed
	files, err := sk.files()
	if err != nil {
		return "", err
	}
	for path, content := range files {
		if err := writeRepoFile(tmp, path, content); err != nil {
			return "", err
		}
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"commit", "-q", "-m", sk.commitMessage()},
		// Lets `git clone` work over plain HTTP (see pages.go).
		{"update-server-info"},
	} {
		if _, err := git(ctx, tmp, author, args...); err != nil {
			return "", err
		}
	}
	commit, err := git(ctx, tmp, author, "rev-parse", "--short", "HEAD")
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("repository %s: %w", sk.Name, err)
	}
	return commit, nil
}

// commitFile writes one file of a repository and commits it. changed is
// false, and nothing is committed, when the file already held content.
func commitFile(ctx context.Context, repo, path, content, message string, author person) (commit string, changed bool, err error) {
	if err := writeRepoFile(repo, path, content); err != nil {
		return "", false, err
	}
	if _, err := git(ctx, repo, author, "add", "--", path); err != nil {
		return "", false, err
	}
	status, err := git(ctx, repo, author, "status", "--porcelain")
	if err != nil {
		return "", false, err
	}
	if status != "" {
		for _, args := range [][]string{{"commit", "-q", "-m", message}, {"update-server-info"}} {
			if _, err := git(ctx, repo, author, args...); err != nil {
				return "", false, err
			}
		}
	}
	commit, err = git(ctx, repo, author, "rev-parse", "--short", "HEAD")
	return commit, status != "", err
}

func writeRepoFile(repo, path, content string) error {
	full := filepath.Join(repo, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	return os.WriteFile(full, []byte(content), 0o644)
}
