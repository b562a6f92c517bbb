package frontend

import (
	"testing"
	"time"
)

// "Expires in" rounds to what a person would say: a 3-day environment reads
// "3 days" right after creation, not the truncated "2 days".
func TestTimeLeftRoundsTruthfully(t *testing.T) {
	cases := []struct {
		left time.Duration
		want string
	}{
		{72*time.Hour - 2*time.Second, "expires in 3 days"},
		{72 * time.Hour, "expires in 3 days"},
		{61*time.Hour + 10*time.Minute, "expires in 2 days 13 hours"},
		{24*time.Hour - time.Minute, "expires in 1 day"},
		{25*time.Hour + 20*time.Minute, "expires in 1 day 1 hour"},
		{5*time.Hour + 3*time.Minute + 20*time.Second, "expires in 5 hours 3 minutes"},
		{time.Hour - 5*time.Second, "expires in 1 hour"},
		{30*time.Minute + 40*time.Second, "expires in 31 minutes"},
		{40 * time.Second, "expires in less than a minute"},
		{0, "expired"},
		{-time.Hour, "expired"},
	}
	for _, c := range cases {
		if got := timeLeft(c.left); got != c.want {
			t.Errorf("timeLeft(%v) = %q, want %q", c.left, got, c.want)
		}
	}
}

// URL properties show as links: format url, or a value that is an http(s)
// URL; anything the link rule refuses stays text.
func TestIsLinkProperty(t *testing.T) {
	cases := []struct {
		in    map[string]any
		value any
		want  bool
	}{
		{map[string]any{"type": "string", "format": "url"}, "https://grafana.example.com/d/1", true},
		{map[string]any{"type": "string"}, "http://api.example.com", true},
		{map[string]any{"type": "string"}, "HTTPS://EXAMPLE.COM", true},
		{map[string]any{"type": "string", "format": "url"}, "/runs/1", true},
		{map[string]any{"type": "string"}, "/runs/1", false},
		{map[string]any{"type": "string", "format": "url"}, "javascript:alert(1)", false},
		{map[string]any{"type": "string"}, "https://user:pw@evil.example", false},
		{map[string]any{"type": "string"}, "eu-west-1", false},
		{map[string]any{"type": "number"}, 3.0, false},
		{nil, "https://example.com", true},
	}
	for _, c := range cases {
		if got := isLinkProperty(c.in, c.value); got != c.want {
			t.Errorf("isLinkProperty(%v, %v) = %v, want %v", c.in, c.value, got, c.want)
		}
	}
}
