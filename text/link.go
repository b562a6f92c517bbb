package text

import (
	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/weburl"
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
	// The portal renders as a link exactly what weburl calls linkable: one
	// rule for what is stored and what is shown.
	if !weburl.Linkable(s) {
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
