package frontend

import (
	"net/url"
	"strings"
)

// maxNextLen bounds a post-login target; real portal paths are far shorter.
const maxNextLen = 2048

// safeNext keeps post-login redirects on this site: it returns next when it
// is a plain path on this origin, else "/".
//
// Browsers are lenient where url.Parse is not: they drop tabs and newlines
// anywhere in a URL, read a backslash as a slash, and resolve "/./" and
// "/../" segments, so "/\t/evil.example" and "/.//evil.example" can become
// "//evil.example", another host. So the raw text and its decoded path must
// both be free of control characters and backslashes, the path must start
// with exactly one slash, and it may hold no empty, "." or ".." segments.
func safeNext(next string) string {
	if next == "" || len(next) > maxNextLen || !plainURLText(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// The decoded path catches the encoded forms (%09, %5C, %2F...) too.
	if !plainURLText(u.Path) || !strings.HasPrefix(next, "/") || !cleanAbsolutePath(u.Path) {
		return "/"
	}
	return next
}

// plainURLText reports whether s has no control characters and no backslash.
func plainURLText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// cleanAbsolutePath reports whether p starts with one slash and has no
// empty, "." or ".." segment (a trailing slash is fine).
func cleanAbsolutePath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	segments := strings.Split(p[1:], "/")
	for i, seg := range segments {
		last := i == len(segments)-1
		if (seg == "" && !last) || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
