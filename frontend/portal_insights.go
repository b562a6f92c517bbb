package frontend

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/insights"
)

// insightsDays are the periods the page offers; 30 days unless asked.
var insightsDays = []int{7, 30, 90}

// insightsPage charts the runs the signed-in user may see: every user has
// insights, over the runs the runs list shows them (package insights).
func (s *Server) insightsPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title, shell.Active = "Insights", "insights"
	days := 30
	if q := r.URL.Query(); q.Has("days") {
		n, err := strconv.Atoi(q.Get("days"))
		if err != nil {
			return slipway.FieldError("days", "must be a whole number of days, 1 to 366")
		}
		days = n
	}
	me := currentUser(r.Context())
	rep, err := insights.Load(r.Context(), s.Store.Q, me, days, time.Now())
	if err != nil {
		return err
	}
	var titles map[string]string
	if s.SelfService != nil { // a portal without actions still has runs' identifiers
		titles = s.actionTitles(r.Context())
	}
	title := func(action string) string { return str(titles[action], action) }
	return render(w, r, http.StatusOK, views.InsightsPage(shell, insightsView(rep, days, title, me.IsAdmin())))
}

// insightsView draws rep's charts; title names an action.
func insightsView(rep insights.Report, days int, title func(string) string, allRuns bool) views.InsightsView {
	v := views.InsightsView{Days: days, DayChoices: insightsDays, AllRuns: allRuns}
	perDay := make([]views.DayRuns, len(rep.Days))
	for i, d := range rep.Days {
		by := make(map[string]int64, len(d.ByStatus))
		for st, n := range d.ByStatus {
			by[string(st)] = n
		}
		perDay[i] = views.DayRuns{Day: d.Day, ByStatus: by, Total: d.Total}
		v.TotalRuns += d.Total
	}
	v.RunsPerDay = views.NewStackedBars(perDay)

	percentiles := []views.LegendItem{{Fill: "#2754c5", Label: "p50 (median)"}, {Fill: "#9db7ee", Label: "p95"}}
	var rates, durations []views.HBarRow
	for _, a := range rep.Actions {
		rate := a.SuccessRate()
		rates = append(rates, views.HBarRow{Label: title(a.Action), Value: rate,
			Text:  fmt.Sprintf("%.0f%% of %d", rate*100, a.Ended),
			Cells: []string{fmt.Sprintf("%.1f%%", rate*100), strconv.FormatInt(a.Succeeded, 10), strconv.FormatInt(a.Ended, 10)}})
		durations = append(durations, views.HBarRow{Label: title(a.Action), Value: a.P95.Seconds(), Inner: a.P50.Seconds(),
			Text:  "p50 " + views.Duration(a.P50) + " · p95 " + views.Duration(a.P95),
			Cells: []string{views.Duration(a.P50), views.Duration(a.P95), strconv.FormatInt(a.Ended, 10)}})
	}
	v.SuccessRate = views.NewHBars([]string{"Action", "Success rate", "Succeeded", "Ended"}, nil, 1, rates)
	v.Durations = views.NewHBars([]string{"Action", "p50", "p95", "Ended runs"}, percentiles, 0, durations)

	var waits []views.HBarRow
	for _, w := range rep.ApprovalWaits {
		waits = append(waits, views.HBarRow{Label: title(w.Action), Value: w.P95.Seconds(), Inner: w.P50.Seconds(),
			Text:  "p50 " + views.Duration(w.P50) + " · p95 " + views.Duration(w.P95),
			Cells: []string{views.Duration(w.P50), views.Duration(w.P95), views.Duration(w.Max), strconv.FormatInt(w.Decided, 10)}})
	}
	v.ApprovalWaits = views.NewHBars([]string{"Action", "p50", "p95", "Longest", "Decided runs"}, percentiles, 0, waits)

	var slowest []views.HBarRow
	for _, b := range rep.Backends {
		slowest = append(slowest, views.HBarRow{Label: b.Backend, Value: b.P95.Seconds(), Inner: b.P50.Seconds(),
			Text:  "p50 " + views.Duration(b.P50) + " · p95 " + views.Duration(b.P95),
			Cells: []string{views.Duration(b.P50), views.Duration(b.P95), strconv.FormatInt(b.Runs, 10)}})
	}
	v.Slowest = views.NewHBars([]string{"Backend", "p50", "p95", "Runs"}, percentiles, 0, slowest)
	return v
}
