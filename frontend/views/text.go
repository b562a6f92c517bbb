package views

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
)

// Text written by users and backends (log lines, titles, labels, inputs)
// may hold invisible bidirectional controls: a right-to-left override
// (U+202E) makes "exe.gnp" read as "png.exe". The portal shows each such
// control as a marked "[U+202E]" instead of obeying it.

// isBidiControl reports the characters that change text direction:
// embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and
// the marks LRM, RLM and ALM.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// visible renders s as text with its bidi controls shown as marked spans.
// Use it wherever user or backend text appears in a page's body.
func visible(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for s != "" {
			i := strings.IndexFunc(s, isBidiControl)
			if i < 0 {
				break
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if _, err := fmt.Fprintf(w, `%s<span class="bidi-control" title="invisible text-direction character">[U+%04X]</span>`, templ.EscapeString(s[:i]), r); err != nil {
				return err
			}
			s = s[i+size:]
		}
		_, err := io.WriteString(w, templ.EscapeString(s))
		return err
	})
}

// visibleString is visible for places that take only text (the page
// title, attributes): the controls become plain "[U+202E]".
func visibleString(s string) string {
	if strings.IndexFunc(s, isBidiControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isBidiControl(r) {
			fmt.Fprintf(&b, "[U+%04X]", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
