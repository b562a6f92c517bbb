package actions

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is written as "30m", "48h" or "7d" in definitions (days are not
// in Go's syntax but are how people think of approval windows), or as a
// number of seconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	td := time.Duration(d)
	if td%(24*time.Hour) == 0 && td != 0 {
		return json.Marshal(fmt.Sprintf("%dd", td/(24*time.Hour)))
	}
	return json.Marshal(td.String())
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case float64:
		*d = Duration(time.Duration(x * float64(time.Second)))
	case string:
		parsed, err := ParseDuration(x)
		if err != nil {
			return err
		}
		*d = Duration(parsed)
	case nil:
		*d = 0
	default:
		return fmt.Errorf(`must be a duration such as "90m", "48h" or "7d"`)
	}
	if *d < 0 {
		return fmt.Errorf("must not be negative")
	}
	return nil
}

// ParseDuration accepts Go durations and a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf(`%q is not a duration such as "90m", "48h" or "7d"`, s)
	}
	return d, nil
}
