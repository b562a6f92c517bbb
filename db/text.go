package db

import (
	"strings"
	"unicode/utf8"
)

// Limits of the text Slipway writes on behalf of workflows. They are a
// backstop behind the API's own, stricter limits: a value that got past the
// edge (an older run, another path in) is cut here rather than refused by
// PostgreSQL, so it cannot poison an activity into retrying for ever.
const (
	// MaxIndexedText bounds text in a b-tree index (identifiers, audit
	// actors and resource ids): PostgreSQL refuses index rows over about
	// 2.7 kB (54000 program_limit_exceeded).
	MaxIndexedText = 2000
	// MaxText bounds free text: log lines, status labels, summaries,
	// notification titles and bodies.
	MaxText = 256 << 10
)

// truncated marks text that ScrubText cut.
const truncated = "…"

// ScrubText returns s as a PostgreSQL text column stores it: NUL bytes
// (which PostgreSQL refuses: 22021) and invalid UTF-8 become U+FFFD, and
// text over maxBytes (0: no limit) is cut on a character boundary, ending
// with "…". It is the one scrub for text written on behalf of a workflow.
func ScrubText(s string, maxBytes int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if maxBytes <= 0 || len(s) <= maxBytes {
		return s
	}
	keep, marker := maxBytes-len(truncated), truncated
	if keep < 0 {
		keep, marker = maxBytes, ""
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + marker
}

// ScrubJSON returns a JSON document as a jsonb column stores it: the escapes
// jsonb refuses (\u0000 and lone UTF-16 surrogates: 22P05, 22P02) become
// \ufffd. The input is valid JSON, as encoding/json writes it (which
// already repairs invalid UTF-8); its structure is not changed.
func ScrubJSON(b []byte) []byte {
	var out []byte // allocated on the first change only
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			if out != nil {
				out = append(out, b[i])
			}
			continue
		}
		// An escape: \X, or \uXXXX.
		n, bad := escapeAt(b, i)
		if bad && out == nil {
			out = append(make([]byte, 0, len(b)), b[:i]...)
		}
		if bad {
			out = append(out, `\ufffd`...)
		} else if out != nil {
			out = append(out, b[i:i+n]...)
		}
		i += n - 1
	}
	if out == nil {
		return b
	}
	return out
}

// escapeAt measures the escape at b[i] and says whether jsonb refuses it.
// A valid surrogate pair is one escape of 12 bytes.
func escapeAt(b []byte, i int) (n int, bad bool) {
	if i+1 >= len(b) || b[i+1] != 'u' || i+6 > len(b) {
		return min(2, len(b)-i), false
	}
	r, ok := hex4(b[i+2 : i+6])
	switch {
	case !ok:
		return 2, false
	case r == 0:
		return 6, true
	case r >= 0xDC00 && r <= 0xDFFF: // a low surrogate without its high one
		return 6, true
	case r >= 0xD800 && r <= 0xDBFF:
		if i+12 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
			if lo, ok := hex4(b[i+8 : i+12]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				return 12, false
			}
		}
		return 6, true
	}
	return 6, false
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// OptionalText is s for a nullable text column: NULL when empty.
func OptionalText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TextList is s for a text[] column that holds a list: nil becomes the
// empty list (where the column's NULL means "not recorded").
func TextList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
