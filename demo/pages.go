package demo

import (
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// The backend serves what it made, read-only, so that the links it
// reports lead somewhere: the repositories (files, history, and `git clone`
// over plain HTTP) and the environments' state.

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{.}} · Slipway demo backend</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre,code{background:#f4f4f5;padding:.1rem .3rem}pre{padding:.75rem;overflow:auto}</style></head><body>{{end}}
{{define "index"}}{{template "head" "Home"}}
<h1>Slipway demo backend</h1>
<p>The backend of the demo actions. Run them from Slipway's portal (<em>Self-service</em>); what they make shows up here.</p>
<h2>Repositories</h2>
{{if .Repos}}<ul>{{range .Repos}}<li><a href="/repos/{{.}}/">{{.}}</a></li>{{end}}</ul>{{else}}<p>None yet: run <em>Scaffold a service</em>.</p>{{end}}
<h2>Environments</h2>
{{if .Environments}}<ul>{{range .Environments}}<li><a href="/environments/{{.}}">{{.}}</a></li>{{end}}</ul>{{else}}<p>None running: run <em>Create an environment</em>.</p>{{end}}
</body></html>{{end}}
{{define "repo"}}{{template "head" .Name}}
<p><a href="/">Slipway demo backend</a> / repositories</p>
<h1>{{.Name}}</h1>
<p>Clone it: <code>git clone {{.CloneURL}}</code></p>
<h2>Files</h2>
<ul data-testid="files">{{range .Files}}<li><a href="/repos/{{$.Name}}/{{.}}">{{.}}</a></li>{{end}}</ul>
<h2>History</h2>
<pre data-testid="log">{{.Log}}</pre>
</body></html>{{end}}
`))

func (b *Backend) index(w http.ResponseWriter, r *http.Request) {
	data := struct{ Repos, Environments []string }{}
	if entries, err := os.ReadDir(b.reposDir()); err == nil {
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") { // dot folders are repositories being made
				data.Repos = append(data.Repos, e.Name())
			}
		}
	}
	if entries, err := os.ReadDir(filepath.Join(b.dir, "environments")); err == nil {
		for _, e := range entries {
			if name, ok := strings.CutSuffix(e.Name(), ".json"); ok && !strings.HasPrefix(name, ".") {
				data.Environments = append(data.Environments, name)
			}
		}
	}
	b.render(w, "index", data)
}

// repo shows a repository's files and history, or one file as of HEAD.
func (b *Backend) repo(w http.ResponseWriter, r *http.Request) {
	name, file := r.PathValue("name"), r.PathValue("path")
	dir, ok := b.repoDir(name)
	if !ok {
		http.Error(w, "no repository "+name, http.StatusNotFound)
		return
	}
	if file != "" {
		// Only paths git itself lists are served, so no path can leave the repository.
		files, err := git(r.Context(), dir, committer, "ls-tree", "-r", "--name-only", "HEAD")
		if err != nil || !slices.Contains(strings.Split(files, "\n"), file) {
			http.Error(w, "no file "+file+" in "+name, http.StatusNotFound)
			return
		}
		content, err := git(r.Context(), dir, committer, "show", "HEAD:"+file)
		if err != nil {
			b.serverError(w, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(content + "\n"))
		return
	}
	files, err := git(r.Context(), dir, committer, "ls-tree", "-r", "--name-only", "HEAD")
	if err != nil {
		b.serverError(w, err)
		return
	}
	log, err := git(r.Context(), dir, committer, "log", "-n", "100", "--format=%h %s (%an, %ar)")
	if err != nil {
		b.serverError(w, err)
		return
	}
	b.render(w, "repo", map[string]any{
		"Name": name, "Files": strings.Split(files, "\n"), "Log": log,
		"CloneURL": b.publicURL + "/git/" + name,
	})
}

// gitHTTP serves a repository's .git folder: git's "dumb" HTTP protocol,
// enough for `git clone`, with no code of git's running behind it.
func (b *Backend) gitHTTP(w http.ResponseWriter, r *http.Request) {
	dir, ok := b.repoDir(r.PathValue("name"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	// http.Dir keeps every request inside the folder.
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + r.PathValue("path")
	http.FileServer(http.Dir(filepath.Join(dir, ".git"))).ServeHTTP(w, r2)
}

// environment shows an environment's state file.
func (b *Backend) environment(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(r.PathValue("name"), ".json")
	if !safeName(name) {
		http.NotFound(w, r)
		return
	}
	raw, err := os.ReadFile(b.envPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "no environment "+name+" is running", http.StatusNotFound)
		return
	}
	if err != nil {
		b.serverError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(raw)
}

// repoDir returns the folder of repository name, if there is one.
func (b *Backend) repoDir(name string) (string, bool) {
	if !safeName(name) || strings.HasPrefix(name, ".") || path.Clean(name) != name {
		return "", false
	}
	dir := filepath.Join(b.reposDir(), name)
	if st, err := os.Stat(filepath.Join(dir, ".git")); err != nil || !st.IsDir() {
		return "", false
	}
	return dir, true
}

func (b *Backend) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		b.logger.Error("demo page failed", "page", name, "err", err)
	}
}

func (b *Backend) serverError(w http.ResponseWriter, err error) {
	b.logger.Error("demo page failed", "err", err)
	http.Error(w, "the demo backend could not read that", http.StatusInternalServerError)
}
