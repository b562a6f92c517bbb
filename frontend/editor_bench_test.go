package frontend_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// The editor's page and its check as the admin types, with a definition
// whose form has jq rules: each reports its p99 in ms (issue #12 wants
// under 30 ms).
func BenchmarkActionEditor(b *testing.B) {
	ctx := context.Background()
	store, ident := pgtest.MustSeededStore(b)
	cat := &catalog.Service{Store: store}
	ss := &selfservice.Service{Store: store, Catalog: cat}
	ts := httptest.NewServer(frontend.New(frontend.Deps{Store: store, Identity: ident, Catalog: cat, SelfService: ss, Logger: slog.New(slog.DiscardHandler)}))
	b.Cleanup(ts.Close)
	admin, err := ident.UserByEmail(ctx, identity.DemoAdminEmail)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ss.CreateAction(ctx, admin, []byte(editorDraft("Deploy"))); err != nil {
		b.Fatal(err)
	}
	session, err := ident.CreateSession(ctx, admin.ID, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(ts.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: "slipway_session", Value: session}})
	c := &http.Client{Jar: jar}
	do := func(req *http.Request) string {
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s %s: %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		return string(body)
	}
	page := func() string {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/actions/deploy/edit", nil)
		return do(req)
	}
	m := csrfInput.FindStringSubmatch(page())
	if m == nil {
		b.Fatal("the editor has no CSRF token")
	}
	check := func() string {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/actions/check",
			strings.NewReader(url.Values{"original": {"deploy"}, "definition": {editorDraft("Deploy it")}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", m[1])
		return do(req)
	}
	for _, c := range []struct {
		name string
		call func() string
	}{{"page", page}, {"check", check}} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				c.call()
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
