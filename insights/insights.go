// Package insights is what the Insights page shows: statistics of the runs
// a viewer may see, computed in PostgreSQL (db/queries/insights.sql).
//
// Every signed-in user sees insights, over exactly the runs the runs list
// shows them (admins: every run; members: runs visible to all, their own,
// and those they approve), so the page tells no one of runs hidden from them.
package insights

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
)

// Queries are the statements a report runs; *queries.Queries satisfies it.
type Queries interface {
	InsightsRunsPerDay(context.Context, queries.InsightsRunsPerDayParams) ([]queries.InsightsRunsPerDayRow, error)
	InsightsActionOutcomes(context.Context, queries.InsightsActionOutcomesParams) ([]queries.InsightsActionOutcomesRow, error)
	InsightsApprovalWaits(context.Context, queries.InsightsApprovalWaitsParams) ([]queries.InsightsApprovalWaitsRow, error)
	InsightsSlowestBackends(context.Context, queries.InsightsSlowestBackendsParams) ([]queries.InsightsSlowestBackendsRow, error)
}

// Bounds of a report: a chart of more bars than this is no longer read.
const (
	MaxActions  = 15
	MaxBackends = 10
)

// Report is a viewer's insights over the runs started in its Days.
type Report struct {
	Days          []Day
	Actions       []ActionOutcome
	ApprovalWaits []ApprovalWait
	Backends      []Backend
}

// Day is one UTC day's runs by their status, days without runs included.
type Day struct {
	Day      time.Time
	ByStatus map[runs.Status]int64
	Total    int64
}

// ActionOutcome is how an action's ended runs went.
type ActionOutcome struct {
	Action           string
	Ended, Succeeded int64
	P50, P95         time.Duration
}

// SuccessRate is the share of ended runs that succeeded, 0 to 1.
func (a ActionOutcome) SuccessRate() float64 {
	if a.Ended == 0 {
		return 0
	}
	return float64(a.Succeeded) / float64(a.Ended)
}

// ApprovalWait is how long an action's runs waited for their decisions.
type ApprovalWait struct {
	Action        string
	Decided       int64
	P50, P95, Max time.Duration
}

// Backend is how long a backend took on the runs it worked.
type Backend struct {
	Backend  string
	Runs     int64
	P50, P95 time.Duration
}

// Load computes viewer's report over the days days up to now (today included).
func Load(ctx context.Context, q Queries, viewer slipway.User, days int, now time.Time) (Report, error) {
	if days < 1 || days > 366 {
		return Report{}, slipway.FieldError("days", "must be 1 to 366")
	}
	today := now.UTC().Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, 1-days)
	var viewerID uuid.NullUUID
	var viewerEmail *string
	if !viewer.IsAdmin() {
		viewerID = uuid.NullUUID{UUID: viewer.ID, Valid: true}
		viewerEmail = new(strings.ToLower(viewer.Email))
	}

	perDay, err := q.InsightsRunsPerDay(ctx, queries.InsightsRunsPerDayParams{Since: since, ViewerID: viewerID, ViewerEmail: viewerEmail})
	if err != nil {
		return Report{}, err
	}
	rep := Report{Days: make([]Day, days)}
	for i := range rep.Days {
		rep.Days[i] = Day{Day: since.AddDate(0, 0, i), ByStatus: map[runs.Status]int64{}}
	}
	for _, row := range perDay {
		i := int(row.Day.Time.Sub(since).Hours() / 24)
		if i < 0 || i >= days {
			continue // started in the future by this clock: not the past days'
		}
		rep.Days[i].ByStatus[row.Status] += row.Runs
		rep.Days[i].Total += row.Runs
	}

	outcomes, err := q.InsightsActionOutcomes(ctx, queries.InsightsActionOutcomesParams{Since: since, ViewerID: viewerID, ViewerEmail: viewerEmail, MaxActions: MaxActions})
	if err != nil {
		return Report{}, err
	}
	for _, o := range outcomes {
		rep.Actions = append(rep.Actions, ActionOutcome{Action: o.ActionIdentifier, Ended: o.Ended, Succeeded: o.Succeeded, P50: seconds(o.P50Seconds), P95: seconds(o.P95Seconds)})
	}

	waits, err := q.InsightsApprovalWaits(ctx, queries.InsightsApprovalWaitsParams{Since: since, ViewerID: viewerID, ViewerEmail: viewerEmail, MaxActions: MaxActions})
	if err != nil {
		return Report{}, err
	}
	for _, w := range waits {
		rep.ApprovalWaits = append(rep.ApprovalWaits, ApprovalWait{Action: w.ActionIdentifier, Decided: w.Decided, P50: seconds(w.P50Seconds), P95: seconds(w.P95Seconds), Max: seconds(w.MaxSeconds)})
	}

	backends, err := q.InsightsSlowestBackends(ctx, queries.InsightsSlowestBackendsParams{Since: since, ViewerID: viewerID, ViewerEmail: viewerEmail, MaxBackends: MaxBackends})
	if err != nil {
		return Report{}, err
	}
	for _, b := range backends {
		rep.Backends = append(rep.Backends, Backend{Backend: b.Backend, Runs: b.Runs, P50: seconds(b.P50Seconds), P95: seconds(b.P95Seconds)})
	}
	return rep, nil
}

// seconds turns PostgreSQL's epoch seconds into a duration, to the millisecond.
func seconds(s float64) time.Duration {
	return time.Duration(s*1000) * time.Millisecond
}
