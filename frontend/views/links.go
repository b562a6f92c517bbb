package views

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
)

// portalPath builds a portal path from raw segments, escaping each, so an
// identifier with "+", "#", "?", "/" or a space still names itself.
func portalPath(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// portalURL is portalPath with query values, encoded.
func portalURL(query url.Values, segments ...string) string {
	p := portalPath(segments...)
	if q := query.Encode(); q != "" {
		p += "?" + q
	}
	return p
}

// href makes a portal path built above usable as an href.
func href(path string) templ.SafeURL { return templ.SafeURL(path) }
