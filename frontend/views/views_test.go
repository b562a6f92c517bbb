package views

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

func renderDoc(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return doc, buf.String()
}

// TestBackendLinksAreClickableOnlyWhenWebURLs: a run's links come from its
// backend; only http(s) and same-site paths become <a href>, the rest show as
// plain text.
func TestBackendLinksAreClickableOnlyWhenWebURLs(t *testing.T) {
	t.Parallel()
	links := []string{
		"https://ci.example/builds/1", "http://ci.example/x", "/runs/0f", // linked
		"javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
		"data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x", "/\\evil.example",
		"https:evil.example", "file:///etc/passwd", "mailto:a@example.com",
	}
	doc, _ := renderDoc(t, RunLive(RunView{ID: "r1", Status: "SUCCESS", Ended: true, Links: links}))
	var hrefs []string
	doc.Find("a").Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		hrefs = append(hrefs, h)
	})
	want := []string{"https://ci.example/builds/1", "http://ci.example/x", "/runs/0f"}
	if strings.Join(hrefs, " ") != strings.Join(want, " ") {
		t.Errorf("clickable links %q, want %q", hrefs, want)
	}
	if n := doc.Find(`[data-testid="run-link-text"]`).Length(); n != len(links)-len(want) {
		t.Errorf("%d links shown as text, want %d", n, len(links)-len(want))
	}
	if !strings.Contains(doc.Text(), "javascript:alert(1)") {
		t.Error("a refused link is not shown as text")
	}
}

// TestBidiControlsAreShownVisibly: a right-to-left override in backend or
// user text must not reorder what the reader sees.
func TestBidiControlsAreShownVisibly(t *testing.T) {
	t.Parallel()
	evil := "deploy ok \u202Egnp.exe\u202C done\u2066x\u2069\u200E\u200F\u061C\u202A\u202B\u202D\u2067\u2068"
	run := RunView{ID: "r1", Action: evil, Status: "SUCCESS", StatusLabel: evil, Summary: evil, Requester: evil,
		Ended: true, Links: []string{"https://ci.example/" + evil}, Inputs: []KV{{Key: evil, Value: evil}},
		Decisions: []DecisionView{{Approver: evil, Reason: evil}},
		Logs:      LogPage{Lines: []LogView{{Seq: 1, Message: evil}}}}
	for name, c := range map[string]templ.Component{
		"run page":      RunPage(Shell{Title: evil}, run),
		"runs list":     RunsPage(Shell{}, "Runs", []RunRow{{ID: "r1", Action: evil, StatusLabel: evil, Requester: evil}}, "", nil),
		"log lines":     NewLogLines("r1", LogPage{Lines: []LogView{{Seq: 1, Message: evil}}}),
		"earlier lines": EarlierLogLines("r1", LogPage{Lines: []LogView{{Seq: 1, Message: evil}}}),
		"self-service":  SelfServicePage(Shell{}, []ActionCard{{Identifier: "a", Title: evil, Description: evil}}),
		"catalog":       CatalogPage(Shell{}, []BlueprintRow{{Identifier: "b", Title: evil, Description: evil}}),
		"entities":      EntitiesPage(Shell{}, BlueprintRow{Identifier: "b", Title: evil}, "", []EntityRow{{Identifier: "e", Title: evil, Team: evil}}, ""),
		"entity page":   EntityPage(Shell{}, EntityView{Blueprint: "b", Identifier: "e", Title: evil, Team: evil, Properties: []PropertyView{{Key: evil, Value: evil}, {Key: "u", Value: "https://x.example/" + evil, Link: true}}}),
		"notifications": NotificationsPage(Shell{}, []NotificationRow{{Title: evil, Body: evil, RunID: "r1"}}),
	} {
		_, html := renderDoc(t, c)
		for _, r := range []rune{0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C} {
			if strings.ContainsRune(html, r) {
				t.Errorf("%s: U+%04X reaches the page as is", name, r)
			}
		}
		if !strings.Contains(html, "[U+202E]") {
			t.Errorf("%s: the override is not shown as [U+202E]", name)
		}
	}
}

// TestEntityLinksEscapeIdentifiers: identifiers with characters that mean
// something in a URL still link to themselves.
func TestEntityLinksEscapeIdentifiers(t *testing.T) {
	t.Parallel()
	id, bp, action := "a+b &c#d e/f?g", "svc+x #1", "scale+up &go"
	doc, _ := renderDoc(t, EntityPage(Shell{}, EntityView{Blueprint: bp, Identifier: id, Title: id,
		Relations: []RelationLink{{Name: "dep", Blueprint: bp, Identifier: id}},
		Actions:   []ActionCard{{Identifier: action, Title: "Scale"}}}))
	href, _ := doc.Find(`[data-testid^="entity-action-"]`).Attr("href")
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/self-service/"+action || u.Query().Get("entity") != id || u.Fragment != "" {
		t.Errorf("action link %q: path %q, entity %q", href, u.Path, u.Query().Get("entity"))
	}
	rel, _ := doc.Find(`[data-testid="relations"] a`).Attr("href")
	if u, err := url.Parse(rel); err != nil || u.Path != "/catalog/"+bp+"/"+id || u.RawQuery != "" || u.Fragment != "" {
		t.Errorf("relation link %q", rel)
	}

	doc, _ = renderDoc(t, EntitiesPage(Shell{}, BlueprintRow{Identifier: bp, Title: "S"}, "q&x=1#", []EntityRow{{Identifier: id}}, "after+1&"))
	row, _ := doc.Find(`[data-testid="entity-row"] a`).Attr("href")
	if u, err := url.Parse(row); err != nil || u.Path != "/catalog/"+bp+"/"+id || u.Fragment != "" {
		t.Errorf("entity row link %q", row)
	}
	next, _ := doc.Find(`[data-testid="next-page"]`).Attr("href")
	if u, err := url.Parse(next); err != nil || u.Path != "/catalog/"+bp || u.Query().Get("q") != "q&x=1#" || u.Query().Get("after") != "after+1&" {
		t.Errorf("next page link %q", next)
	}
	doc, _ = renderDoc(t, CatalogPage(Shell{}, []BlueprintRow{{Identifier: bp}}))
	card, _ := doc.Find(`a.card`).Attr("href")
	if u, err := url.Parse(card); err != nil || u.Path != "/catalog/"+bp || u.Fragment != "" {
		t.Errorf("blueprint card link %q", card)
	}
	doc, _ = renderDoc(t, SelfServicePage(Shell{}, []ActionCard{{Identifier: action}}))
	card, _ = doc.Find(`a.card`).Attr("href")
	if u, err := url.Parse(card); err != nil || u.Path != "/self-service/"+action || u.Fragment != "" || u.RawQuery != "" {
		t.Errorf("action card link %q", card)
	}
}

// TestLogLinesKeepTheirLineBreaks: each line ends its own row in the <pre>.
func TestLogLinesKeepTheirLineBreaks(t *testing.T) {
	t.Parallel()
	doc, _ := renderDoc(t, NewLogLines("r1", LogPage{Lines: []LogView{{Seq: 1, Message: "one"}, {Seq: 2, Message: "two"}}}))
	if got := doc.Text(); got != "one\ntwo\n" {
		t.Errorf("log lines read %q", got)
	}
}

// TestDecisionsReadAsASentence: text around the bidi-safe parts keeps its spaces.
func TestDecisionsReadAsASentence(t *testing.T) {
	t.Parallel()
	doc, _ := renderDoc(t, RunLive(RunView{ID: "r1", Status: "SUCCESS", Ended: true,
		Decisions: []DecisionView{{Approver: "a@example.com", Approved: true, Reason: "fine"}, {Approver: "b@example.com"}}}))
	var items []string
	doc.Find(`[data-testid="decisions"] li`).Each(func(_ int, li *goquery.Selection) { items = append(items, strings.TrimSpace(li.Text())) })
	if got := strings.Join(items, " | "); got != "approved by a@example.com: fine | declined by b@example.com" {
		t.Errorf("decisions read %q", got)
	}
	doc, _ = renderDoc(t, RunPage(Shell{}, RunView{ID: "r1", Action: "deploy", Requester: "dev1@example.com", Origin: "UI", Ended: true}))
	if got := doc.Find(`[data-testid="page-title"]`).Text(); got != "Run of deploy" {
		t.Errorf("title %q", got)
	}
	if got := strings.Join(strings.Fields(doc.Find(`p.muted`).Last().Text()), " "); !strings.HasPrefix(got, "Requested by dev1@example.com via UI on") {
		t.Errorf("requested line %q", got)
	}
}
