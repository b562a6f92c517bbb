package frontend_test

import (
	"net/http"
	"strings"
	"testing"
)

// A bad period is the reader's mistake, named: 400, never a 500.
func TestInsightsRefusesABadPeriodByName(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	c := browser()
	signIn(t, f, c, "dev1@example.com")
	for _, days := range []string{"abc", "0", "400"} {
		resp, doc := getDoc(t, c, f.url+"/insights?days="+days)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Text(), "days") {
			t.Errorf("days=%s: %d %q", days, resp.StatusCode, strings.TrimSpace(doc.Find("main").Text()))
		}
	}
	if resp, doc := getDoc(t, c, f.url+"/insights?days=7"); resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="chart-runs-per-day"]`).Length() != 1 {
		t.Errorf("7 days: %d", resp.StatusCode)
	}
}
