package views

import (
	"strings"
	"testing"
	"time"
)

func TestStackedBarsStackEachDaysStatusesToScale(t *testing.T) {
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	c := NewStackedBars([]DayRuns{
		{Day: day, ByStatus: map[string]int64{"SUCCESS": 3, "FAILURE": 1}, Total: 4},
		{Day: day.AddDate(0, 0, 1), ByStatus: map[string]int64{}, Total: 0},
	})
	if len(c.Bars) != 2 || len(c.Bars[0].Segments) != 2 || len(c.Bars[1].Segments) != 0 {
		t.Fatalf("bars %+v", c.Bars)
	}
	ok, failed := c.Bars[0].Segments[0], c.Bars[0].Segments[1]
	plot := barsHeight - barsTop - barsBottom // the axis tops at 5, the nice ceiling of 4
	if ok.H != 3*plot/5 || failed.H != plot/5 || failed.Y+failed.H != ok.Y || ok.Y+ok.H != barsTop+plot {
		t.Errorf("segments %+v %+v: want SUCCESS at the bottom, FAILURE on it, to a scale of 5", ok, failed)
	}
	if ok.Title != "Nov 29: 3 SUCCESS" || len(c.Legend) != 2 || c.Ticks[2].Label != "5" {
		t.Errorf("title %q legend %+v ticks %+v", ok.Title, c.Legend, c.Ticks)
	}
}

func TestInsightsPageChartsAreLabelledImagesWithTables(t *testing.T) {
	v := InsightsView{Days: 7, DayChoices: []int{7}, TotalRuns: 1,
		RunsPerDay:  NewStackedBars([]DayRuns{{Day: time.Now(), ByStatus: map[string]int64{"SUCCESS": 1}, Total: 1}}),
		SuccessRate: NewHBars([]string{"Action", "Rate"}, nil, 1, []HBarRow{{Label: "Deploy <b>", Value: 0.5, Text: "50% of 2", Cells: []string{"50%"}}}),
	}
	doc, html := renderDoc(t, InsightsPage(Shell{Title: "Insights"}, v))
	for _, id := range []string{"runs-per-day", "success-rate"} {
		svg := doc.Find(`[data-testid="svg-` + id + `"]`)
		if role, _ := svg.Attr("role"); role != "img" || svg.Find("title").First().Text() == "" || svg.Find("desc").Length() != 1 {
			t.Errorf("%s: role %q, no title or description", id, role)
		}
		if doc.Find(`[data-testid="table-`+id+`"]`).Length() != 1 {
			t.Errorf("%s has no table", id)
		}
	}
	if strings.Contains(html, "<b>") || doc.Find(`[data-testid="chart-durations"] [data-testid="empty-state"]`).Length() != 1 {
		t.Error("a label was not escaped, or an empty chart says nothing")
	}
	if doc.Find(".chart script, .chart [onload], .chart [onclick]").Length() != 0 {
		t.Error("the charts need no script")
	}
}

func TestDurationsReadAsPeopleSayThem(t *testing.T) {
	for d, want := range map[time.Duration]string{850 * time.Millisecond: "850ms", 42500 * time.Millisecond: "42.5s",
		200 * time.Second: "3m 20s", 125 * time.Minute: "2h 5m", 50 * time.Hour: "2d 2h"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
