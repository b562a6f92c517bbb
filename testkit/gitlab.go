package testkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// GitLab is a fake GitLab REST API (v4) for the calls Slipway makes, as
// documented at docs.gitlab.com/api: get a project, create a pipeline
// (access token) or trigger one (trigger token), get a pipeline, list its
// jobs, get a job's trace, cancel a pipeline. Unknown projects, pipelines
// and jobs answer 404, a wrong token 401, an unknown ref 400, as GitLab
// does. Pipelines start "created" and move only when the test says
// (SetStatus, SetJob): the real pipeline's pace is the test's to choose.
type GitLab struct {
	// URL is the server's base URL (the client adds /api/v4).
	URL string
	// Token is the access token (PRIVATE-TOKEN) it accepts.
	Token string
	// TriggerToken is the pipeline trigger token it accepts.
	TriggerToken string

	mu        sync.Mutex
	held      chan struct{} // while set, new pipelines wait for it to close
	limited   int           // requests still to refuse with 429
	retryIn   int           // their Retry-After, seconds
	projects  []*GitLabProject
	pipelines []*GitLabPipeline
	nextID    int64
	requests  []string
}

// GitLabProject is a project of the fake.
type GitLabProject struct {
	ID            int64
	Path          string // group/name
	DefaultBranch string
	// Refs are the branches and tags pipelines may run on (the default
	// branch is one).
	Refs []string
}

// GitLabPipeline is a pipeline of the fake, as the test sees it.
type GitLabPipeline struct {
	ID, ProjectID int64
	Ref, Status   string
	// Source is "api" (created with an access token) or "trigger".
	Source    string
	Variables map[string]string
	Jobs      []GitLabJob
}

// GitLabJob is one job of a pipeline.
type GitLabJob struct {
	ID                  int64
	Name, Stage, Status string
	Trace               string
}

// MustGitLab starts a fake GitLab accepting token, closed when the test ends.
func MustGitLab(t testing.TB, token, triggerToken string) *GitLab {
	g := &GitLab{Token: token, TriggerToken: triggerToken, nextID: 1000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/projects/{id}", g.authorized(g.getProject))
	mux.HandleFunc("POST /api/v4/projects/{id}/pipeline", g.authorized(g.createPipeline))
	mux.HandleFunc("POST /api/v4/projects/{id}/trigger/pipeline", g.triggerPipeline)
	mux.HandleFunc("GET /api/v4/projects/{id}/pipelines/{pipeline}", g.authorized(g.getPipeline))
	mux.HandleFunc("GET /api/v4/projects/{id}/pipelines/{pipeline}/jobs", g.authorized(g.listJobs))
	mux.HandleFunc("POST /api/v4/projects/{id}/pipelines/{pipeline}/cancel", g.authorized(g.cancelPipeline))
	mux.HandleFunc("GET /api/v4/projects/{id}/jobs/{job}/trace", g.authorized(g.trace))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		gitlabAnswer(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.requests = append(g.requests, r.Method+" "+r.URL.EscapedPath())
		limited := g.limited > 0
		if limited {
			g.limited--
		}
		retryIn := g.retryIn
		g.mu.Unlock()
		if limited {
			// GitLab's rate limit answer: plain text, with the RateLimit-* headers.
			w.Header().Set("Retry-After", strconv.Itoa(retryIn))
			w.Header().Set("RateLimit-Limit", "600")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(retryIn)*time.Second).Unix(), 10))
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte("Retry later\n"))
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// AddProject adds a project whose default branch is defaultBranch; refs
// are its other branches.
func (g *GitLab) AddProject(path, defaultBranch string, refs ...string) GitLabProject {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextID++
	p := &GitLabProject{ID: g.nextID, Path: path, DefaultBranch: defaultBranch, Refs: append([]string{defaultBranch}, refs...)}
	g.projects = append(g.projects, p)
	return *p
}

// Pipelines returns a copy of every pipeline, oldest first.
func (g *GitLab) Pipelines() []GitLabPipeline {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]GitLabPipeline, len(g.pipelines))
	for i, p := range g.pipelines {
		out[i] = *p
		out[i].Jobs = slices.Clone(p.Jobs)
	}
	return out
}

// WaitForPipeline waits until the fake holds n pipelines and returns the nth.
func (g *GitLab) WaitForPipeline(t testing.TB, n int) GitLabPipeline {
	t.Helper()
	WaitUntil(t, 30*time.Second, fmt.Sprintf("GitLab pipeline %d", n), func() bool { return len(g.Pipelines()) >= n })
	return g.Pipelines()[n-1]
}

// Requests lists the requests served, as "METHOD /escaped/path".
func (g *GitLab) Requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.requests)
}

// RateLimit makes the next n requests answer 429 with Retry-After: retryIn
// seconds, as GitLab's rate limits do.
func (g *GitLab) RateLimit(n, retryIn int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limited, g.retryIn = n, retryIn
}

// HoldPipelines makes requests that create pipelines wait until release
// is called (a slow GitLab); Requests lists them meanwhile.
func (g *GitLab) HoldPipelines() (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	held := make(chan struct{})
	g.held = held
	return sync.OnceFunc(func() {
		g.mu.Lock()
		g.held = nil
		g.mu.Unlock()
		close(held)
	})
}

// SetStatus sets a pipeline's status (running, success, failed...).
func (g *GitLab) SetStatus(pipeline int64, status string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.pipeline(pipeline); p != nil {
		p.Status = status
	}
}

// SetJob adds a job to a pipeline, or updates the one of that name, and
// returns its ID.
func (g *GitLab) SetJob(pipeline int64, name, stage, status, trace string) int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.pipeline(pipeline)
	if p == nil {
		return 0
	}
	for i := range p.Jobs {
		if p.Jobs[i].Name == name {
			p.Jobs[i].Stage, p.Jobs[i].Status, p.Jobs[i].Trace = stage, status, trace
			return p.Jobs[i].ID
		}
	}
	g.nextID++
	p.Jobs = append(p.Jobs, GitLabJob{ID: g.nextID, Name: name, Stage: stage, Status: status, Trace: trace})
	return g.nextID
}

func (g *GitLab) pipeline(id int64) *GitLabPipeline {
	for _, p := range g.pipelines {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// project finds a project by numeric ID or URL-encoded path, as GitLab's
// :id accepts both.
func (g *GitLab) project(id string) *GitLabProject {
	for _, p := range g.projects {
		if strconv.FormatInt(p.ID, 10) == id || p.Path == id {
			return p
		}
	}
	return nil
}

func (g *GitLab) authorized(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("PRIVATE-TOKEN") != g.Token {
			gitlabAnswer(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
			return
		}
		h(w, r)
	}
}

func (g *GitLab) getProject(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.project(r.PathValue("id"))
	if p == nil {
		gitlabAnswer(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return
	}
	gitlabAnswer(w, http.StatusOK, map[string]any{"id": p.ID, "path_with_namespace": p.Path, "default_branch": p.DefaultBranch, "web_url": g.URL + "/" + p.Path})
}

func (g *GitLab) createPipeline(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Ref       string `json:"ref"`
		Variables []struct {
			Key, Value   string
			VariableType string `json:"variable_type"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		gitlabAnswer(w, http.StatusBadRequest, map[string]string{"error": "body is not JSON"})
		return
	}
	vars := map[string]string{}
	for _, v := range body.Variables {
		vars[v.Key] = v.Value
	}
	g.startPipeline(w, r.PathValue("id"), body.Ref, "api", vars)
}

// triggerPipeline takes the trigger token instead of an access token; a
// wrong one answers 404, as GitLab does.
func (g *GitLab) triggerPipeline(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Ref       string            `json:"ref"`
		Token     string            `json:"token"`
		Variables map[string]string `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		gitlabAnswer(w, http.StatusBadRequest, map[string]string{"error": "body is not JSON"})
		return
	}
	if g.TriggerToken == "" || body.Token != g.TriggerToken {
		gitlabAnswer(w, http.StatusNotFound, map[string]string{"message": "404 Not Found"})
		return
	}
	g.startPipeline(w, r.PathValue("id"), body.Ref, "trigger", body.Variables)
}

func (g *GitLab) startPipeline(w http.ResponseWriter, projectID, ref, source string, vars map[string]string) {
	g.mu.Lock()
	held := g.held
	g.mu.Unlock()
	if held != nil {
		<-held
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.project(projectID)
	switch {
	case p == nil:
		gitlabAnswer(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return
	case ref == "":
		gitlabAnswer(w, http.StatusBadRequest, map[string]string{"error": "ref is missing"})
		return
	case !slices.Contains(p.Refs, ref):
		gitlabAnswer(w, http.StatusBadRequest, map[string]any{"message": map[string][]string{"base": {"Reference not found"}}})
		return
	}
	g.nextID++
	pl := &GitLabPipeline{ID: g.nextID, ProjectID: p.ID, Ref: ref, Status: "created", Source: source, Variables: vars}
	g.pipelines = append(g.pipelines, pl)
	gitlabAnswer(w, http.StatusCreated, g.pipelineJSON(pl))
}

// pipelineOf finds the request's pipeline in its project; nil has answered 404.
func (g *GitLab) pipelineOf(w http.ResponseWriter, r *http.Request) *GitLabPipeline {
	p := g.project(r.PathValue("id"))
	id, _ := strconv.ParseInt(r.PathValue("pipeline"), 10, 64)
	if p == nil {
		gitlabAnswer(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
		return nil
	}
	if pl := g.pipeline(id); pl != nil && pl.ProjectID == p.ID {
		return pl
	}
	gitlabAnswer(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
	return nil
}

func (g *GitLab) getPipeline(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if pl := g.pipelineOf(w, r); pl != nil {
		gitlabAnswer(w, http.StatusOK, g.pipelineJSON(pl))
	}
}

// listJobs answers newest first, as GitLab does, one page of per_page.
func (g *GitLab) listJobs(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pl := g.pipelineOf(w, r)
	if pl == nil {
		return
	}
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 20
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	jobs := []map[string]any{}
	for i := len(pl.Jobs) - 1; i >= 0; i-- {
		j := pl.Jobs[i]
		jobs = append(jobs, map[string]any{"id": j.ID, "name": j.Name, "stage": j.Stage, "status": j.Status,
			"web_url": fmt.Sprintf("%s/%s/-/jobs/%d", g.URL, g.projectPath(pl.ProjectID), j.ID), "pipeline": map[string]any{"id": pl.ID}})
	}
	from, to := min((page-1)*perPage, len(jobs)), min(page*perPage, len(jobs))
	if to < len(jobs) {
		w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
	}
	w.Header().Set("X-Page", strconv.Itoa(page))
	w.Header().Set("X-Per-Page", strconv.Itoa(perPage))
	w.Header().Set("X-Total", strconv.Itoa(len(jobs)))
	gitlabAnswer(w, http.StatusOK, jobs[from:to])
}

func (g *GitLab) trace(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.project(r.PathValue("id"))
	id, _ := strconv.ParseInt(r.PathValue("job"), 10, 64)
	for _, pl := range g.pipelines {
		for _, j := range pl.Jobs {
			if p != nil && pl.ProjectID == p.ID && j.ID == id {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte(j.Trace))
				return
			}
		}
	}
	gitlabAnswer(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
}

// cancelPipeline cancels the jobs that have not finished; the pipeline
// is then canceled, unless it had finished already (GitLab answers it
// unchanged).
func (g *GitLab) cancelPipeline(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pl := g.pipelineOf(w, r)
	if pl == nil {
		return
	}
	if !slices.Contains([]string{"success", "failed", "canceled", "skipped"}, pl.Status) {
		pl.Status = "canceled"
		for i := range pl.Jobs {
			if !slices.Contains([]string{"success", "failed", "canceled", "skipped"}, pl.Jobs[i].Status) {
				pl.Jobs[i].Status = "canceled"
			}
		}
	}
	gitlabAnswer(w, http.StatusCreated, g.pipelineJSON(pl))
}

func (g *GitLab) projectPath(id int64) string {
	for _, p := range g.projects {
		if p.ID == id {
			return p.Path
		}
	}
	return ""
}

func (g *GitLab) pipelineJSON(pl *GitLabPipeline) map[string]any {
	return map[string]any{"id": pl.ID, "iid": pl.ID - 1000, "project_id": pl.ProjectID, "status": pl.Status, "ref": pl.Ref,
		"source": pl.Source, "sha": "4f1c2e0d", "web_url": fmt.Sprintf("%s/%s/-/pipelines/%d", g.URL, g.projectPath(pl.ProjectID), pl.ID)}
}

func gitlabAnswer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
