package views

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Charts are plain SVG drawn on the server: no charting script, and each
// chart has a title, a description and the same numbers as a table.

// chartWidth is every chart's drawing width; the SVG scales to its box.
const chartWidth = 720

// statusFills colour the statuses in the stacked bars, legend order.
var statusFills = []struct{ Status, Fill string }{
	{"SUCCESS", "#2e9b57"},
	{"FAILURE", "#c8413a"},
	{"DECLINED", "#e39a3b"},
	{"EXPIRED", "#9b6a3c"},
	{"CANCELLED", "#8a93a3"},
	{"WAITING_FOR_APPROVAL", "#7b61c9"},
	{"IN_PROGRESS", "#3f73d8"},
}

// DayRuns is one day's runs by status, for the stacked bars.
type DayRuns struct {
	Day      time.Time
	ByStatus map[string]int64
	Total    int64
}

// StackedBars is the runs-per-day chart, laid out.
type StackedBars struct {
	Width, Height float64
	Bars          []StackedBar
	Ticks         []Tick
	Legend        []LegendItem
	Days          []DayRuns // the table's rows
	Statuses      []string  // the table's columns
}

// StackedBar is one day's column.
type StackedBar struct {
	X, W     float64
	Label    string
	ShowDate bool
	Segments []Segment
}

// Segment is one status's part of a day's column.
type Segment struct {
	Y, H        float64
	Fill, Title string
}

// Tick is a labelled value on an axis.
type Tick struct {
	Pos   float64
	Label string
}

// LegendItem names a colour.
type LegendItem struct{ Fill, Label string }

// Layout of the stacked bars: room for the axis labels.
const (
	barsTop, barsBottom, barsLeft = 10.0, 30.0, 36.0
	barsHeight                    = 220.0
)

// NewStackedBars lays out days' runs as stacked columns.
func NewStackedBars(days []DayRuns) StackedBars {
	c := StackedBars{Width: chartWidth, Height: barsHeight, Days: days}
	var most int64
	present := map[string]bool{}
	for _, d := range days {
		most = max(most, d.Total)
		for st, n := range d.ByStatus {
			present[st] = present[st] || n > 0
		}
	}
	for _, sf := range statusFills {
		if present[sf.Status] {
			c.Legend = append(c.Legend, LegendItem{Fill: sf.Fill, Label: sf.Status})
			c.Statuses = append(c.Statuses, sf.Status)
		}
	}
	top := niceCeiling(float64(most))
	plotH := barsHeight - barsTop - barsBottom
	for _, v := range []float64{0, top / 2, top} {
		c.Ticks = append(c.Ticks, Tick{Pos: barsTop + plotH - v/top*plotH, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	if len(days) == 0 {
		return c
	}
	slot := (chartWidth - barsLeft) / float64(len(days))
	every := max(1, len(days)/8) // at most about 8 date labels
	for i, d := range days {
		bar := StackedBar{X: barsLeft + float64(i)*slot + slot*0.15, W: slot * 0.7, Label: d.Day.Format("Jan 2"),
			ShowDate: (len(days)-1-i)%every == 0}
		y := barsTop + plotH
		for _, sf := range statusFills {
			n := d.ByStatus[sf.Status]
			if n == 0 {
				continue
			}
			h := float64(n) / top * plotH
			y -= h
			bar.Segments = append(bar.Segments, Segment{Y: y, H: h, Fill: sf.Fill, Title: fmt.Sprintf("%s: %d %s", bar.Label, n, sf.Status)})
		}
		c.Bars = append(c.Bars, bar)
	}
	return c
}

// HBarRow is one labelled row of a horizontal bar chart: Value draws the
// bar, Inner (when set) a darker bar inside it (a p50 within its p95).
type HBarRow struct {
	Label        string
	Value, Inner float64
	Text         string // the numbers, as read
	Cells        []string
}

// HBars is a horizontal bar chart, laid out.
type HBars struct {
	Width, Height float64
	Rows          []HBar
	Columns       []string // the table's header: label, then Cells'
	Legend        []LegendItem
}

// HBar is one row's geometry.
type HBar struct {
	HBarRow
	Y, W, InnerW float64
}

// Layout of horizontal bars: labels on the left, numbers on the right.
const (
	hbarLabelW, hbarTextW, hbarRowH = 190.0, 150.0, 26.0
	hbarFill, hbarInnerFill         = "#9db7ee", "#2754c5"
)

// NewHBars lays out rows against a scale of full (the largest value when 0).
func NewHBars(columns []string, legend []LegendItem, full float64, rows []HBarRow) HBars {
	c := HBars{Width: chartWidth, Height: hbarRowH*float64(len(rows)) + 8, Columns: columns, Legend: legend}
	if full == 0 {
		for _, r := range rows {
			full = max(full, r.Value)
		}
	}
	span := chartWidth - hbarLabelW - hbarTextW
	for i, r := range rows {
		b := HBar{HBarRow: r, Y: 4 + float64(i)*hbarRowH}
		if full > 0 {
			b.W, b.InnerW = r.Value/full*span, r.Inner/full*span
		}
		c.Rows = append(c.Rows, b)
	}
	return c
}

// barFill is the bars' colour: light under a darker inner bar, else dark.
func barFill(c HBars) string {
	if len(c.Legend) > 0 {
		return hbarFill
	}
	return hbarInnerFill
}

// niceCeiling rounds n up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeiling(n float64) float64 {
	if n <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(n)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= n {
			return m * p
		}
	}
	return 10 * p
}

// Duration reads a duration the way people say it: 850ms, 42s, 3m 20s, 2h 5m.
func Duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(math.Round(d.Seconds()*10)/10, 'f', -1, 64) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

func px(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }
