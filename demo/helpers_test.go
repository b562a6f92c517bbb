package demo

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/signing"
	"github.com/slipwayhq/slipway/testkit"
)

// fakeSlipway answers the backend's calls the way Slipway's API does
// (Port's run REST shape and the catalog's Connect JSON) and records them.
type fakeSlipway struct {
	t     *testing.T
	token string

	mu       sync.Mutex
	logs     []string
	entities map[string]map[string]any // "blueprint/identifier" → entity
	upserts  int
	// unavailable answers this many next requests with 503.
	unavailable int
	// refuse makes UpsertEntity answer invalid_argument with this message.
	refuse string
	ended  chan map[string]any // the PATCH that ended the run
}

func newFakeSlipway(t *testing.T) (*fakeSlipway, *httptest.Server) {
	f := &fakeSlipway{t: t, token: "run-token", entities: map[string]map[string]any{}, ended: make(chan map[string]any, 10)}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeSlipway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unavailable > 0 {
		f.unavailable--
		http.Error(w, `{"message": "restarting"}`, http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err)
	}
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/logs"):
		msg, _ := body["message"].(string)
		f.logs = append(f.logs, msg)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"ok": true}`))
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/v1/actions/runs/"):
		if body["status"] != nil {
			f.ended <- body
		}
		_, _ = w.Write([]byte(`{"ok": true}`))
	case r.URL.Path == "/slipway.v1.CatalogService/UpsertEntity":
		if f.refuse != "" {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"code": "invalid_argument", "message": f.refuse})
			return
		}
		if body["runId"] != "run-1" {
			f.t.Errorf("upsert for run %v, want run-1", body["runId"])
		}
		e, _ := body["entity"].(map[string]any)
		f.entities[e["blueprint"].(string)+"/"+e["identifier"].(string)] = e
		f.upserts++
		_ = json.NewEncoder(w).Encode(map[string]any{"entity": e})
	default:
		f.t.Errorf("unexpected call %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	}
}

// final waits for the run to be ended and returns the ending PATCH.
func (f *fakeSlipway) final(t *testing.T) map[string]any {
	t.Helper()
	select {
	case p := <-f.ended:
		return p
	case <-time.After(20 * time.Second):
		t.Fatal("the backend never ended the run")
		return nil
	}
}

func (f *fakeSlipway) entity(key string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.entities[key]
}

func (f *fakeSlipway) logText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.logs, "\n")
}

var testSecret = []byte("test-secret")

// testBackend is a backend serving on a test server, reporting to fake.
type testBackend struct {
	*Backend
	url string
}

func newTestBackend(t *testing.T, slipwayURL string) *testBackend {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	publicURL := "http://" + srv.Listener.Addr().String()
	b, err := New(Options{SlipwayURL: slipwayURL, PublicURL: publicURL, Secret: testSecret, Dir: t.TempDir(), RetryWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = b.Handler()
	srv.Start()
	t.Cleanup(func() { srv.Close(); b.Close(time.Second) })
	return &testBackend{Backend: b, url: publicURL}
}

// call POSTs a signed payload for action and returns the answer's status.
func (tb *testBackend) call(t *testing.T, action string, p map[string]any, headers map[string]string) int {
	t.Helper()
	if p["run"] == nil {
		p["run"] = map[string]any{"id": "run-1", "token": "run-token"}
	}
	if p["trigger"] == nil {
		p["trigger"] = map[string]any{"by": map[string]any{"user": map[string]any{"email": "dev1@example.com", "firstName": "Dev", "lastName": "One"}}, "origin": "UI"}
	}
	body, _ := json.Marshal(p)
	req, _ := http.NewRequest(http.MethodPost, tb.url+"/hooks/"+action, bytes.NewReader(body))
	ts := time.Now().Unix()
	req.Header.Set("X-Slipway-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slipway-Signature", signing.Sign(testSecret, ts, body))
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, _ := testkit.Do(t, nil, req)
	return resp.StatusCode
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, body := testkit.Do(t, nil, req)
	return resp.StatusCode, body
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		testkit.Missing(t, "git", err)
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := git(t.Context(), dir, committer, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
