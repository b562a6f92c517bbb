package frontend

import (
	"strconv"
	"strings"
	"time"
)

// timeLeft words the time until an entity's timer fires as a person would
// say it: rounded to the nearest hour from ten hours up and to the nearest
// minute below, then told in the two largest units ("2 days 13 hours"), so
// a 3-day environment reads "3 days" right after it was created.
func timeLeft(d time.Duration) string {
	switch {
	case d <= 0:
		return "expired"
	case d < time.Minute:
		return "expires in less than a minute"
	}
	unit := time.Minute
	if d >= 10*time.Hour {
		unit = time.Hour
	}
	d = d.Round(unit)
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, countOf(days, "day"))
	}
	if hours > 0 {
		parts = append(parts, countOf(hours, "hour"))
	}
	if days == 0 && minutes > 0 {
		parts = append(parts, countOf(minutes, "minute"))
	}
	return "expires in " + strings.Join(parts, " ")
}

func countOf(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
