package frontend_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/slipwayhq/slipway/testkit/ssetest"
)

// readEvents reads a whole event stream (an ended run's ends by itself).
// Other answers come back as their body.
func readEvents(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, []ssetest.Event, string) {
	t.Helper()
	resp := getWith(t, c, u, header...)
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		return resp, nil, string(body)
	}
	var events []ssetest.Event
	r := ssetest.NewReader(resp.Body)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return resp, events, ""
		}
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
}

func TestRunEventStreamSendsLinesStatusAndEndAndResumes(t *testing.T) {
	t.Parallel()
	f := newSelfServiceFixture(t)
	id := f.endedRunOf(t, "dev1@example.com", 1200)
	c := browser()
	signIn(t, f.fixture, c, "dev1@example.com")

	// An ended run's page opens no stream.
	_, doc := getDoc(t, c, f.url+"/runs/"+id)
	if doc.Find("[data-live-events]").Length() != 0 || doc.Find(`script[src="/static/live.js"]`).Length() != 0 {
		t.Error("an ended run's page follows its events")
	}

	resp, events, _ := readEvents(t, c, f.url+"/runs/"+id+"/events?after_seq=100")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	var names []string
	var seqs []int64
	for _, ev := range events {
		names = append(names, ev.Name)
		if ev.Name == "lines" {
			frag, err := goquery.NewDocumentFromReader(strings.NewReader(ev.Data))
			if err != nil {
				t.Fatal(err)
			}
			got := seqsOf(frag)
			if last := got[len(got)-1]; ev.ID != strconv.FormatInt(last, 10) {
				t.Errorf("lines event id %q, last line %d", ev.ID, last)
			}
			seqs = append(seqs, got...)
		}
	}
	// A page of lines at a time, the status, and the end.
	if strings.Join(names, ",") != "lines,status,lines,end" {
		t.Errorf("events %v", names)
	}
	checkSeqs(t, "streamed lines", seqs, 101, 1200)
	for _, ev := range events {
		if ev.Name == "status" && !strings.Contains(ev.Data, `data-testid="run-status"`) {
			t.Errorf("status event without the status: %q", ev.Data)
		}
	}

	// A reconnecting browser sends the last id it saw; it wins over the URL's.
	_, events, _ = readEvents(t, c, f.url+"/runs/"+id+"/events?after_seq=0", "Last-Event-ID", "1190")
	frag, _ := goquery.NewDocumentFromReader(strings.NewReader(events[0].Data))
	checkSeqs(t, "resumed lines", seqsOf(frag), 1191, 1200)

	for _, bad := range []struct{ query, lastID, field string }{{"after_seq=x", "", "after_seq"}, {"", "-3", "Last-Event-ID"}, {"", "seven", "Last-Event-ID"}} {
		resp, _, body := readEvents(t, c, f.url+"/runs/"+id+"/events?"+bad.query, "Last-Event-ID", bad.lastID)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, bad.field) {
			t.Errorf("events?%s Last-Event-ID %q: %d %s, want 400 naming %s", bad.query, bad.lastID, resp.StatusCode, body, bad.field)
		}
	}
	// Someone the run is hidden from gets nothing; no one signed in goes to log in.
	other := browser()
	signIn(t, f.fixture, other, "dev2@example.com")
	if resp, _, _ := readEvents(t, other, f.url+"/runs/"+id+"/events"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another member follows the run: %d", resp.StatusCode)
	}
	if resp, _, _ := readEvents(t, browser(), f.url+"/runs/"+id+"/events"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}
