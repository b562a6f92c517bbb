// Package githubfake is an in-process GitHub REST API for tests: the part
// of GitHub Actions Slipway's GITHUB backend uses, following GitHub's
// documented contracts, driven by the real client (go-github).
//
//   - POST .../actions/workflows/{file}/dispatches answers 204, or 200 with
//     workflow_run_id, run_url and html_url when asked with
//     return_run_details and RunDetails is on; 422 for an input the
//     workflow does not declare, a value that is not a string or a ref that
//     does not exist; 404 for an unknown repository or workflow.
//   - A new run is listed only after HiddenPolls listings and reads as
//     queued for HiddenPolls reads; then it is in_progress until the test
//     finishes its jobs (FinishJob, Finish).
//   - GET .../actions/jobs/{id}/logs answers 302 to a short-lived URL that
//     serves the log without credentials.
//   - POST .../actions/runs/{id}/cancel answers 202, or 409 for a run that
//     has completed.
//   - RateLimit makes the next calls answer 403 or 429 with
//     x-ratelimit-remaining: 0, x-ratelimit-reset and retry-after.
//   - Credentials: a token (Bearer) or a GitHub App, whose JWT (RS256,
//     iss = app id) buys an installation token at
//     POST /app/installations/{id}/access_tokens.
//
// The API is served under /api/v3/, as GitHub Enterprise Server serves it:
// clients use URL() as their base URL.
package githubfake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is the fake. Configure it before the calls it should affect.
type Server struct {
	srv *httptest.Server

	mu sync.Mutex
	// RunDetails makes dispatches asked for details answer 200 with them;
	// off, they answer 204 (servers before return_run_details).
	RunDetails bool
	// HiddenPolls is how many listings a new run is missing from, and how
	// many reads show it queued.
	HiddenPolls int

	token    string
	app      *appAuth
	repos    map[string]*repo
	runs     map[int64]*Run
	nextID   int64
	limited  []rateLimit
	requests []string
}

type appAuth struct {
	id, installation int64
	key              *rsa.PublicKey
	tokens           []string
}

type rateLimit struct {
	status     int
	retryAfter time.Duration
}

type repo struct {
	defaultBranch string
	workflows     map[string]*Workflow
}

// Workflow is a workflow file with a workflow_dispatch trigger.
type Workflow struct {
	// File is the workflow's file name (deploy.yml); ID its number.
	File string
	ID   int64
	// Inputs are the declared workflow_dispatch inputs.
	Inputs []string
	// RunName is the run's name from its inputs (run-name in the file);
	// nil names runs after the workflow.
	RunName func(inputs map[string]string) string
	// Jobs are the names of the jobs each run has.
	Jobs []string
}

// Run is one workflow run, as the fake holds it.
type Run struct {
	ID         int64
	Org, Repo  string
	Workflow   string
	Name       string
	Ref        string
	Inputs     map[string]string
	Status     string
	Conclusion string
	CreatedAt  time.Time
	Jobs       []*Job
	// Reads counts the reads of the run (GET .../runs/{id}); lists, the
	// listings it was in or hidden from.
	Reads, lists int
}

// Job is one job of a run.
type Job struct {
	ID         int64
	Name       string
	Status     string
	Conclusion string
	Log        string
}

// New starts a fake that accepts token as a Bearer token; it stops when
// the test ends.
func New(tb testing.TB, token string) *Server {
	tb.Helper()
	s := &Server{token: token, repos: map[string]*repo{}, runs: map[int64]*Run{}, nextID: 1000}
	s.srv = httptest.NewServer(s.routes())
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the API's base URL (SLIPWAY_GITHUB_API_URL).
func (s *Server) URL() string { return s.srv.URL + "/api/v3/" }

// AddWorkflow declares a repository (default branch main) and a workflow in it.
func (s *Server) AddWorkflow(org, repoName string, w Workflow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := org + "/" + repoName
	if s.repos[key] == nil {
		s.repos[key] = &repo{defaultBranch: "main", workflows: map[string]*Workflow{}}
	}
	if w.ID == 0 {
		w.ID = int64(len(s.repos[key].workflows) + 1)
	}
	s.repos[key].workflows[w.File] = &w
}

// TrustApp accepts a GitHub App: JWTs signed by key with iss = appID buy
// tokens for installationID.
func (s *Server) TrustApp(appID, installationID int64, key *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.app = &appAuth{id: appID, installation: installationID, key: key}
}

// RateLimit makes the next n API calls answer status (403 or 429) as
// GitHub's rate limit does, asking to retry after retryAfter.
func (s *Server) RateLimit(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.limited = append(s.limited, rateLimit{status, retryAfter})
	}
}

// Requests are the API calls so far, as "METHOD path".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Runs are copies of every run dispatched so far, in order.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Run
	for _, r := range s.runs {
		c := *r
		c.Jobs = nil
		for _, j := range r.Jobs {
			jc := *j
			c.Jobs = append(c.Jobs, &jc)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Run) int { return int(a.ID - b.ID) })
	return out
}

// RunByInput returns the run dispatched with inputs[name] == value.
func (s *Server) RunByInput(name, value string) (Run, bool) {
	for _, r := range s.Runs() {
		if r.Inputs[name] == value {
			return r, true
		}
	}
	return Run{}, false
}

// FinishJob completes one job of a run with its log.
func (s *Server) FinishJob(runID int64, job, conclusion, log string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.runs[runID].Jobs {
		if j.Name == job {
			j.Status, j.Conclusion, j.Log = "completed", conclusion, log
		}
	}
}

// Finish completes the run with conclusion, and its unfinished jobs too.
func (s *Server) Finish(runID int64, conclusion string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runs[runID]
	for _, j := range r.Jobs {
		if j.Status != "completed" {
			j.Status, j.Conclusion, j.Log = "completed", conclusion, "job "+j.Name+" ended: "+conclusion
		}
	}
	r.Status, r.Conclusion = "completed", conclusion
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := "/api/v3"
	mux.HandleFunc("POST "+api+"/app/installations/{id}/access_tokens", s.installationToken)
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}", s.authed(s.getRepo))
	mux.HandleFunc("POST "+api+"/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches", s.authed(s.dispatch))
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}/actions/workflows/{workflow}/runs", s.authed(s.listRuns))
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}/actions/runs/{id}", s.authed(s.getRun))
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}/actions/runs/{id}/jobs", s.authed(s.listJobs))
	mux.HandleFunc("POST "+api+"/repos/{owner}/{repo}/actions/runs/{id}/cancel", s.authed(s.cancel))
	mux.HandleFunc("GET "+api+"/repos/{owner}/{repo}/actions/jobs/{id}/logs", s.authed(s.jobLogs))
	mux.HandleFunc("GET /blobs/job-logs/{id}", s.logBlob)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message, "documentation_url": "https://docs.github.com/rest"})
}

// authed checks credentials and the rate limit, then serves h with the
// fake locked.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/api/v3"))
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "token "); ok {
			token = t
		}
		if token == "" || token != s.token && (s.app == nil || !slices.Contains(s.app.tokens, token)) {
			fail(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		if len(s.limited) > 0 {
			l := s.limited[0]
			s.limited = s.limited[1:]
			w.Header().Set("x-ratelimit-limit", "5000")
			w.Header().Set("x-ratelimit-remaining", "0")
			w.Header().Set("x-ratelimit-reset", strconv.FormatInt(time.Now().Add(l.retryAfter).Unix(), 10))
			w.Header().Set("retry-after", strconv.Itoa(int(l.retryAfter.Seconds())))
			fail(w, l.status, "API rate limit exceeded")
			return
		}
		w.Header().Set("x-ratelimit-limit", "5000")
		w.Header().Set("x-ratelimit-remaining", "4999")
		h(w, r)
	}
}

func (s *Server) repo(w http.ResponseWriter, r *http.Request) *repo {
	rp := s.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
	if rp == nil {
		fail(w, http.StatusNotFound, "Not Found")
	}
	return rp
}

func (s *Server) workflow(w http.ResponseWriter, r *http.Request) (*repo, *Workflow) {
	rp := s.repo(w, r)
	if rp == nil {
		return nil, nil
	}
	name := r.PathValue("workflow")
	for _, wf := range rp.workflows {
		if wf.File == name || strconv.FormatInt(wf.ID, 10) == name {
			return rp, wf
		}
	}
	fail(w, http.StatusNotFound, "Not Found")
	return nil, nil
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) *Run {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	run := s.runs[id]
	if run == nil || run.Org != r.PathValue("owner") || run.Repo != r.PathValue("repo") {
		fail(w, http.StatusNotFound, "Not Found")
		return nil
	}
	return run
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request) {
	if rp := s.repo(w, r); rp != nil {
		writeJSON(w, http.StatusOK, map[string]any{"name": r.PathValue("repo"), "full_name": r.PathValue("owner") + "/" + r.PathValue("repo"), "default_branch": rp.defaultBranch})
	}
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	rp, wf := s.workflow(w, r)
	if wf == nil {
		return
	}
	var body struct {
		Ref              string                     `json:"ref"`
		Inputs           map[string]json.RawMessage `json:"inputs"`
		ReturnRunDetails bool                       `json:"return_run_details"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fail(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if body.Ref != rp.defaultBranch {
		fail(w, http.StatusUnprocessableEntity, "No ref found for: "+body.Ref)
		return
	}
	if len(body.Inputs) > 25 {
		fail(w, http.StatusUnprocessableEntity, "you may only define up to 25 `inputs` for a `workflow_dispatch` event")
		return
	}
	var unexpected []string
	inputs := map[string]string{}
	for name, raw := range body.Inputs {
		if !slices.Contains(wf.Inputs, name) {
			unexpected = append(unexpected, strconv.Quote(name))
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			fail(w, http.StatusUnprocessableEntity, fmt.Sprintf("For 'properties/%s', %s is not a string.", name, raw))
			return
		}
		inputs[name] = v
	}
	if len(unexpected) > 0 {
		slices.Sort(unexpected)
		fail(w, http.StatusUnprocessableEntity, "Unexpected inputs provided: ["+strings.Join(unexpected, ", ")+"]")
		return
	}
	s.nextID++
	run := &Run{ID: s.nextID, Org: r.PathValue("owner"), Repo: r.PathValue("repo"), Workflow: wf.File, Name: wf.File, Ref: body.Ref,
		Inputs: inputs, Status: "queued", CreatedAt: time.Now().UTC().Truncate(time.Second)}
	if wf.RunName != nil {
		run.Name = wf.RunName(inputs)
	}
	for i, name := range wf.Jobs {
		run.Jobs = append(run.Jobs, &Job{ID: run.ID*100 + int64(i), Name: name, Status: "queued"})
	}
	s.runs[run.ID] = run
	if body.ReturnRunDetails && s.RunDetails {
		writeJSON(w, http.StatusOK, map[string]any{
			"workflow_run_id": run.ID, "run_url": s.srv.URL + "/api/v3/repos/" + run.Org + "/" + run.Repo + "/actions/runs/" + strconv.FormatInt(run.ID, 10),
			"html_url": s.htmlURL(run),
		})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) htmlURL(run *Run) string {
	return fmt.Sprintf("%s/%s/%s/actions/runs/%d", s.srv.URL, run.Org, run.Repo, run.ID)
}

func (s *Server) runJSON(run *Run) map[string]any {
	out := map[string]any{
		"id": run.ID, "name": run.Workflow, "display_title": run.Name, "head_branch": run.Ref, "event": "workflow_dispatch",
		"status": run.Status, "html_url": s.htmlURL(run), "created_at": run.CreatedAt.Format(time.RFC3339),
	}
	if run.Conclusion != "" {
		out["conclusion"] = run.Conclusion
	}
	return out
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	_, wf := s.workflow(w, r)
	if wf == nil {
		return
	}
	q := r.URL.Query()
	var after time.Time
	if created, ok := strings.CutPrefix(q.Get("created"), ">="); ok {
		after, _ = time.Parse(time.RFC3339, created)
	}
	list := []map[string]any{}
	var ids []int64
	for id := range s.runs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	slices.Reverse(ids) // newest first, as GitHub lists them
	for _, id := range ids {
		run := s.runs[id]
		if run.Workflow != wf.File || run.Org != r.PathValue("owner") || run.Repo != r.PathValue("repo") {
			continue
		}
		if b := q.Get("branch"); b != "" && b != run.Ref {
			continue
		}
		if e := q.Get("event"); e != "" && e != "workflow_dispatch" {
			continue
		}
		if run.CreatedAt.Before(after) {
			continue
		}
		run.lists++
		if run.lists <= s.HiddenPolls {
			continue // not listed yet
		}
		list = append(list, s.runJSON(run))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(list), "workflow_runs": list})
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	run := s.run(w, r)
	if run == nil {
		return
	}
	run.Reads++
	if run.Status == "queued" && run.Reads > s.HiddenPolls {
		run.Status = "in_progress"
		for _, j := range run.Jobs {
			if j.Status == "queued" {
				j.Status = "in_progress"
			}
		}
	}
	writeJSON(w, http.StatusOK, s.runJSON(run))
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	run := s.run(w, r)
	if run == nil {
		return
	}
	jobs := []map[string]any{}
	for _, j := range run.Jobs {
		job := map[string]any{"id": j.ID, "run_id": run.ID, "name": j.Name, "status": j.Status}
		if j.Conclusion != "" {
			job["conclusion"] = j.Conclusion
		}
		jobs = append(jobs, job)
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(jobs), "jobs": jobs})
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	run := s.run(w, r)
	if run == nil {
		return
	}
	if run.Status == "completed" {
		fail(w, http.StatusConflict, "Cannot cancel a workflow run that is completed.")
		return
	}
	for _, j := range run.Jobs {
		if j.Status != "completed" {
			j.Status, j.Conclusion, j.Log = "completed", "cancelled", "The run was canceled by @slipway."
		}
	}
	run.Status, run.Conclusion = "completed", "cancelled"
	writeJSON(w, http.StatusAccepted, map[string]any{})
}

func (s *Server) jobLogs(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, run := range s.runs {
		for _, j := range run.Jobs {
			if j.ID == id && run.Org == r.PathValue("owner") && run.Repo == r.PathValue("repo") {
				http.Redirect(w, r, fmt.Sprintf("%s/blobs/job-logs/%d?sig=%s", s.srv.URL, id, s.signature(id)), http.StatusFound)
				return
			}
		}
	}
	fail(w, http.StatusNotFound, "Not Found")
}

// signature stands for the short-lived signed URL: the blob is served
// to whoever has it, without credentials.
func (s *Server) signature(id int64) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", s.token, id)))
	return base64.RawURLEncoding.EncodeToString(sum[:8])
}

func (s *Server) logBlob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if r.URL.Query().Get("sig") != s.signature(id) || r.Header.Get("Authorization") != "" {
		http.Error(w, "AuthenticationFailed", http.StatusForbidden)
		return
	}
	for _, run := range s.runs {
		for _, j := range run.Jobs {
			if j.ID == id {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte(j.Log))
				return
			}
		}
	}
	http.NotFound(w, r)
}

// installationToken checks the app's JWT (RS256, iss = app id, not
// expired) and issues an installation token.
func (s *Server) installationToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/api/v3"))
	jwt, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	installation, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if s.app == nil || installation != s.app.installation || !s.validJWT(jwt) {
		fail(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return
	}
	token := fmt.Sprintf("ghs_fake%d", len(s.app.tokens)+1)
	s.app.tokens = append(s.app.tokens, token)
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
}

func (s *Server) validJWT(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.app.key, crypto.SHA256, sum[:], sig) != nil {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Iss any   `json:"iss"`
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || time.Unix(claims.Exp, 0).Before(time.Now()) {
		return false
	}
	return fmt.Sprint(claims.Iss) == strconv.FormatInt(s.app.id, 10)
}
