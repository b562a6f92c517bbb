// Package weburl judges URLs that come from outside (a backend's run links,
// a post-login target) before the portal links to them or redirects there.
// It reads them as a browser would, which is more lenient than url.Parse:
// browsers drop tabs and newlines anywhere in a URL, read a backslash as a
// slash and resolve "." and ".." segments, so "/\t/evil.example" or
// "/.//evil.example" end up at another host. Anything with such characters
// or segments is refused outright.
package weburl

import (
	"net/url"
	"strings"
	"unicode"
)

// SameSitePath reports whether s is a path (with optional query and
// fragment) on the site that serves the page: no scheme, no host, exactly
// one leading slash, and no control characters, backslashes, or empty, "."
// or ".." segments, in the raw text or once percent-decoded.
func SameSitePath(s string) bool {
	if !strings.HasPrefix(s, "/") || !plainText(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// The decoded path catches the encoded forms (%09, %5C, %2F...) too.
	return plainText(u.Path) && cleanAbsolutePath(u.Path)
}

// HTTP reports whether s is an absolute http or https URL with a host and
// no credentials in it (https://bank.example@evil.example deceives).
func HTTP(s string) bool {
	if !plainText(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// Linkable reports whether the portal may render s as a clickable link:
// an http(s) URL or a path on this site. Everything else (javascript:,
// data:, vbscript:, file:, protocol-relative //host...) is shown as text.
func Linkable(s string) bool { return HTTP(s) || SameSitePath(s) }

// plainText reports whether s has no control characters (C0, DEL, C1), no
// invisible formatting characters (Unicode Cf: bidi overrides, zero-width
// joiners...), which make a URL read as another, no white space (a
// well-formed URL encodes it) and no backslash.
func plainText(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\\' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
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
