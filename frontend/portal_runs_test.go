package frontend_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/PuerkitoBio/goquery"

	"github.com/slipwayhq/slipway/catalog"
	"github.com/slipwayhq/slipway/frontend"
	slipwayv1 "github.com/slipwayhq/slipway/gen/slipway/v1"
	"github.com/slipwayhq/slipway/gen/slipway/v1/slipwayv1connect"
	"github.com/slipwayhq/slipway/identity"
	"github.com/slipwayhq/slipway/selfservice"
	"github.com/slipwayhq/slipway/testkit"
	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// selfServiceFixture is a portal with the catalog and self-service, but no
// Temporal: ended runs are read from PostgreSQL alone.
type selfServiceFixture struct {
	*fixture
	store   *selfservice.Service
	catalog *catalog.Service
}

func newSelfServiceFixture(t *testing.T) selfServiceFixture {
	t.Helper()
	store, ident := pgtest.MustSeededStore(t)
	cat := &catalog.Service{Store: store}
	ss := &selfservice.Service{Store: store, Catalog: cat}
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Catalog: cat, SelfService: ss, Logger: slog.New(slog.DiscardHandler), DevLogin: true})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return selfServiceFixture{fixture: &fixture{url: ts.URL, ident: ident}, store: ss, catalog: cat}
}

// endedRunOf stores an ended run of requester's with lines log lines and
// returns its id.
func (f selfServiceFixture) endedRunOf(t *testing.T, requester string, lines int) string {
	t.Helper()
	u, err := f.ident.UserByEmail(context.Background(), requester)
	if err != nil {
		t.Fatal(err)
	}
	return pgtest.EndedRun(t, f.store.Store, u.ID, "deploy", lines).String()
}

// seqsOf returns the data-seq of every log line in doc, in order.
func seqsOf(doc *goquery.Document) []int64 {
	var out []int64
	doc.Find(`[data-testid="log-line"]`).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("data-seq")
		n, _ := strconv.ParseInt(v, 10, 64)
		out = append(out, n)
	})
	return out
}

func checkSeqs(t *testing.T, what string, got []int64, from, to int64) {
	t.Helper()
	if int64(len(got)) != to-from+1 || got[0] != from || got[len(got)-1] != to {
		first, last := int64(-1), int64(-1)
		if len(got) > 0 {
			first, last = got[0], got[len(got)-1]
		}
		t.Fatalf("%s: %d lines %d..%d, want %d..%d", what, len(got), first, last, from, to)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("%s: line %d after %d", what, got[i], got[i-1])
		}
	}
}

func TestRunPageShowsTheNewestLogLinesAndLoadsEarlierOnes(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	id := f.endedRunOf(t, "dev1@example.com", 2500)
	c := browser()
	signIn(t, f.fixture, c, "dev1@example.com")

	resp, doc := getDoc(t, c, f.url+"/runs/"+id)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("run page: %d", resp.StatusCode)
	}
	checkSeqs(t, "run page", seqsOf(doc), 1501, 2500)
	if doc.Find(`[data-testid="follow-lines"]`).Length() != 0 {
		t.Error("an ended run's page keeps polling for lines")
	}
	// The earlier-lines control pages back to the first line.
	next, ok := doc.Find(`[data-testid="earlier-lines"]`).Attr("hx-get")
	for _, want := range [][2]int64{{501, 1500}, {1, 500}} {
		if !ok {
			t.Fatalf("no earlier-lines control above line %d", want[1]+1)
		}
		resp, frag := getDoc(t, c, f.url+next, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK || frag.Find("html > body > header").Length() != 0 {
			t.Fatalf("earlier lines %s: %d (a full page: %v)", next, resp.StatusCode, frag.Find("header").Length() != 0)
		}
		checkSeqs(t, "earlier lines "+next, seqsOf(frag), want[0], want[1])
		next, ok = frag.Find(`[data-testid="earlier-lines"]`).Attr("hx-get")
	}
	if ok {
		t.Errorf("an earlier-lines control above line 1: %s", next)
	}

	// Following from any line catches up a page at a time.
	_, frag := getDoc(t, c, f.url+"/runs/"+id+"/logs?after_seq=0", "HX-Request", "true")
	checkSeqs(t, "after 0", seqsOf(frag), 1, 1000)
	if trig, _ := frag.Find(`[data-testid="follow-lines"]`).Attr("hx-trigger"); trig != "load" {
		t.Errorf("a page behind asks for the next with trigger %q, want load", trig)
	}
	_, frag = getDoc(t, c, f.url+"/runs/"+id+"/logs?after_seq=2400", "HX-Request", "true")
	checkSeqs(t, "after 2400", seqsOf(frag), 2401, 2500)
	if frag.Find(`[data-testid="follow-lines"]`).Length() != 0 {
		t.Error("following an ended run's last lines goes on")
	}

	for _, bad := range []string{"before_seq=x", "after_seq=-1", "before_seq=1&after_seq=2"} {
		status, body := getFragment(t, c, f.url+"/runs/"+id+"/logs?"+bad)
		field := strings.SplitN(bad, "=", 2)[0]
		if status != http.StatusBadRequest || !strings.Contains(body, field) {
			t.Errorf("logs?%s: %d %q, want 400 naming %s", bad, status, body, field)
		}
	}
	// Someone the run is hidden from gets nothing.
	other := browser()
	signIn(t, f.fixture, other, "dev2@example.com")
	if resp, _ := getDoc(t, other, f.url+"/runs/"+id+"/logs?before_seq=1501", "HX-Request", "true"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another member reads the logs: %d", resp.StatusCode)
	}
}

// getFragment GETs u as htmx would and returns the status and body.
func getFragment(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("HX-Request", "true")
	resp, body := testkit.Do(t, c, req)
	return resp.StatusCode, body
}

func TestEntityPageActionLinksEscapeIdentifiers(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	ctx := context.Background()
	admin, err := f.ident.UserByEmail(ctx, identity.DemoAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.catalog.CreateBlueprint(ctx, admin, []byte(`{"identifier": "service", "title": "Service", "schema": {"properties": {}}}`)); err != nil {
		t.Fatal(err)
	}
	const id = "api+v2=x@y"
	if _, err := f.catalog.UpsertEntity(ctx, admin, catalog.Entity{Blueprint: "service", Identifier: id, Title: "API v2", Team: "payments"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreateAction(ctx, admin, []byte(`{"identifier": "scale+up", "title": "Scale up",
		"trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service", "userInputs": {"properties": {}}},
		"invocationMethod": {"type": "WEBHOOK", "url": "https://backend.example/hook"}}`)); err != nil {
		t.Fatal(err)
	}
	c := browser()
	signIn(t, f.fixture, c, identity.DemoAdminEmail)
	_, list := getDoc(t, c, f.url+"/catalog/service")
	rowHref, _ := list.Find(`[data-testid="entity-row"] a`).Attr("href")
	resp, page := getDoc(t, c, f.url+rowHref)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page.Find(`[data-testid="page-title"]`).Text(), "API v2") {
		t.Fatalf("entity link %q: %d", rowHref, resp.StatusCode)
	}
	actionHref, ok := page.Find(`[data-testid="entity-action-scale+up"]`).Attr("href")
	if !ok {
		t.Fatal("entity page offers no action")
	}
	resp, form := getDoc(t, c, f.url+actionHref)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("action link %q: %d", actionHref, resp.StatusCode)
	}
	if v, _ := form.Find(`[data-testid="input-__entity"]`).Attr("value"); v != id {
		t.Errorf("action link %q fills the entity with %q, want %q", actionHref, v, id)
	}
	u, _ := url.Parse(actionHref)
	if u.Query().Get("entity") != id {
		t.Errorf("action link %q carries entity %q", actionHref, u.Query().Get("entity"))
	}
}

func TestListRunLogsPagesWithHasMore(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	ctx := context.Background()
	id := f.endedRunOf(t, "dev1@example.com", 2500)
	_, tok, err := f.ident.CreateTokenForEmail(ctx, "dev1@example.com", "logs", 0)
	if err != nil {
		t.Fatal(err)
	}
	runs := slipwayv1connect.NewRunServiceClient(http.DefaultClient, f.url)
	var seqs []int64
	var more []bool
	after := int64(0)
	for len(more) < 5 {
		resp, err := runs.ListRunLogs(ctx, authed(&slipwayv1.ListRunLogsRequest{Id: id, AfterSeq: after}, tok))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range resp.Msg.GetLogs() {
			seqs = append(seqs, l.GetSeq())
		}
		more = append(more, resp.Msg.GetHasMore())
		after = resp.Msg.GetNextAfterSeq()
		if !resp.Msg.GetHasMore() {
			break
		}
	}
	checkSeqs(t, "ListRunLogs pages", seqs, 1, 2500)
	if fmt.Sprint(more) != "[true true false]" || after != 2500 {
		t.Errorf("has_more per page %v, last next_after_seq %d; want [true true false], 2500", more, after)
	}
	// Past the end: an empty page that says where to ask again.
	resp, err := runs.ListRunLogs(ctx, authed(&slipwayv1.ListRunLogsRequest{Id: id, AfterSeq: 2500, Limit: 10}, tok))
	if err != nil || len(resp.Msg.GetLogs()) != 0 || resp.Msg.GetHasMore() || resp.Msg.GetNextAfterSeq() != 2500 {
		t.Errorf("after the last line: %v %v", resp, err)
	}
	_, err = runs.ListRunLogs(ctx, authed(&slipwayv1.ListRunLogsRequest{Id: id, Limit: -1}, tok))
	if connectCode(t, err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "limit") {
		t.Errorf("negative limit: %v", err)
	}
}

func TestRunPageLinksTheWorkflowInTheConfiguredNamespace(t *testing.T) {
	t.Parallel()
	store, ident := pgtest.MustSeededStore(t)
	cat := &catalog.Service{Store: store}
	ss := &selfservice.Service{Store: store, Catalog: cat}
	srv := frontend.New(frontend.Deps{Store: store, Identity: ident, Catalog: cat, SelfService: ss, Logger: slog.New(slog.DiscardHandler), DevLogin: true,
		TemporalUIURL: "https://temporal.example", TemporalNamespace: "team a"})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	f := selfServiceFixture{fixture: &fixture{url: ts.URL, ident: ident}, store: ss, catalog: cat}
	id := f.endedRunOf(t, "dev1@example.com", 1)
	admin := browser()
	signIn(t, f.fixture, admin, "admin@example.com")

	_, doc := getDoc(t, admin, f.url+"/runs/"+id)
	href, _ := doc.Find(`[data-testid="temporal-link"]`).Attr("href")
	if !strings.HasPrefix(href, "https://temporal.example/namespaces/team%20a/workflows/") {
		t.Errorf("Temporal link %q, want one into namespace %q", href, "team a")
	}
	if doc.Find(`[data-testid="temporal-ui-link"]`).Length() != 1 {
		t.Error("admins have the Temporal UI link in the header")
	}
	// Temporal UI is for operators: members see neither link, not even as text.
	member := browser()
	signIn(t, f.fixture, member, "dev1@example.com")
	_, doc = getDoc(t, member, f.url+"/runs/"+id)
	html, _ := doc.Html()
	if strings.Contains(html, "temporal.example") || strings.Contains(html, "Temporal UI") {
		t.Error("a member's run page mentions the Temporal UI")
	}
}
