package views

import "testing"

// A URL property renders as a link; other values stay code.
func TestEntityURLPropertiesAreLinks(t *testing.T) {
	t.Parallel()
	doc, _ := renderDoc(t, EntityPage(Shell{}, EntityView{Identifier: "dev", Properties: []PropertyView{
		{Key: "dashboard", Value: "https://grafana.example.com/d/1", Link: true},
		{Key: "region", Value: "eu-west-1"},
	}}))
	if href, _ := doc.Find(`[data-testid="property-link-dashboard"]`).Attr("href"); href != "https://grafana.example.com/d/1" {
		t.Errorf("dashboard link href %q", href)
	}
	if n := doc.Find(`[data-testid="properties"] a`).Length(); n != 1 {
		t.Errorf("%d links among the properties, want 1", n)
	}
}
