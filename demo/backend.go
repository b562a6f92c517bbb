package demo

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options configure the demo backend.
type Options struct {
	// Addr is where Start listens ("127.0.0.1:0" picks a free port).
	Addr string
	// PublicURL is how Slipway and browsers reach the backend: the actions'
	// webhook URLs and the links it reports start with it. Empty: http://
	// plus the address Start listens on.
	PublicURL string
	// SlipwayURL is where the backend reports runs and writes the catalog.
	SlipwayURL string
	// Secret is SLIPWAY_WEBHOOK_SECRET: only calls Slipway signed with it
	// are accepted.
	Secret []byte
	// Dir is the demo folder (<data dir>/demo).
	Dir    string
	Logger *slog.Logger
	// Pace is the pause after each step a job reports, so that a person
	// watching the run in the portal sees its log grow; 0 in tests.
	Pace time.Duration
	// HTTP calls Slipway; nil means a client with a 15-second timeout.
	HTTP *http.Client
	// RetryWait is the first pause before a failed report is retried
	// (default 200ms; it doubles on each retry).
	RetryWait time.Duration
	// Now tells the time; nil means time.Now.
	Now func() time.Time
}

// Backend receives Slipway's webhook calls for the demo actions, answers
// at once and does the work in the background, reporting as it goes.
type Backend struct {
	publicURL, slipwayURL string
	secret                []byte
	dir                   string
	logger                *slog.Logger
	pace, retryWait       time.Duration
	http                  *http.Client
	now                   func() time.Time
	works                 map[string]work

	// mu serialises the jobs' changes to repositories and state files:
	// git refuses concurrent commits, and two jobs on one environment must
	// not interleave.
	mu   sync.Mutex
	seen *keySet

	life   sync.Mutex // guards closed and adding to jobs
	closed bool
	jobs   sync.WaitGroup
	ctx    context.Context // cancelled by Close: stops jobs still running
	cancel context.CancelFunc
}

// New checks the options and returns a backend; Handler serves it.
func New(o Options) (*Backend, error) {
	var problems []string
	if len(o.Secret) == 0 {
		problems = append(problems, "SLIPWAY_WEBHOOK_SECRET: is required to check that calls come from Slipway")
	}
	for _, u := range []struct{ name, value string }{{"SLIPWAY_PUBLIC_URL (Slipway's URL)", o.SlipwayURL}, {"SLIPWAY_DEMO_BACKEND_URL", o.PublicURL}} {
		if p, err := url.Parse(u.value); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			problems = append(problems, u.name+": must be an http or https URL, not "+quoteOrEmpty(u.value))
		}
	}
	if o.Dir == "" {
		problems = append(problems, "data folder: is required")
	}
	if len(problems) > 0 {
		return nil, errors.New("demo backend: " + strings.Join(problems, "; "))
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if o.RetryWait <= 0 {
		o.RetryWait = 200 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	b := &Backend{
		publicURL: strings.TrimRight(o.PublicURL, "/"), slipwayURL: strings.TrimRight(o.SlipwayURL, "/"),
		secret: o.Secret, dir: dir, logger: o.Logger, pace: o.Pace, retryWait: o.RetryWait, http: o.HTTP, now: o.Now,
		seen: newKeySet(1024),
	}
	b.works = map[string]work{
		"scaffold_service":       b.scaffoldService,
		"create_environment":     b.createEnvironment,
		"extend_environment_ttl": b.extendEnvironmentTTL,
		"redeploy":               b.redeploy,
		"change_replica_count":   b.changeReplicaCount,
		"delete_environment":     b.deleteEnvironment,
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// Handler serves the webhooks and the read-only pages.
func (b *Backend) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/{action}", b.hook)
	mux.HandleFunc("GET /{$}", b.index)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /repos/{name}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/repos/"+url.PathEscape(r.PathValue("name"))+"/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /repos/{name}/{path...}", b.repo)
	mux.HandleFunc("GET /git/{name}/{path...}", b.gitHTTP)
	mux.HandleFunc("GET /environments/{name}", b.environment)
	return mux
}

// startJob runs fn in the background unless the backend is closing.
func (b *Backend) startJob(fn func(ctx context.Context)) bool {
	b.life.Lock()
	defer b.life.Unlock()
	if b.closed {
		return false
	}
	b.jobs.Add(1)
	go func() {
		defer b.jobs.Done()
		fn(b.ctx)
	}()
	return true
}

// Close refuses new calls and lets running jobs finish for up to grace,
// then cancels them and waits for them to stop.
func (b *Backend) Close(grace time.Duration) {
	b.life.Lock()
	b.closed = true
	b.life.Unlock()
	done := make(chan struct{})
	go func() { b.jobs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		b.logger.Warn("demo backend stopping jobs still running")
	}
	b.cancel()
	<-done
}

func (b *Backend) reposDir() string { return filepath.Join(b.dir, "repos") }

func quoteOrEmpty(s string) string {
	if s == "" {
		return "empty"
	}
	return `"` + s + `"`
}
