package text

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/slipwayhq/slipway"
)

// CheckLink applies the rule to a link that Slipway stores and renders as
// <a href>: an absolute http or https URL with a host, or a path on this
// site starting with a single "/". Anything else (javascript:, data:,
// vbscript:, "//host", control characters, backslashes that browsers read
// as slashes, user:password@ prefixes that disguise the host) is refused.
func CheckLink(field, s string) error {
	if err := Check(field, Link, s); err != nil {
		return err
	}
	if !isLink(s) {
		return slipway.FieldError(field, "must be an http or https URL, or a path starting with /")
	}
	return nil
}

// CheckLinks checks a run's links: named field when there is one,
// field[i] when there are several.
func CheckLinks(field string, links []string) error {
	for i, l := range links {
		name := field
		if len(links) > 1 {
			name = place{path: field}.item(i).path
		}
		if err := CheckLink(name, l); err != nil {
			return err
		}
	}
	return nil
}

func isLink(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || r == '\\' }) {
		return false
	}
	if strings.HasPrefix(s, "/") {
		return !strings.HasPrefix(s, "//")
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == "" && u.User == nil
}
