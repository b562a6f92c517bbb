package activities

import (
	"strings"
	"testing"
)

// A long trace keeps its end, within the job's share of a poll's answer.
func TestTraceTailKeepsTheEndWithinBounds(t *testing.T) {
	var b strings.Builder
	for range 5000 {
		b.WriteString(strings.Repeat("x", 300) + "\n")
	}
	b.WriteString("the last line\n")
	lines, omitted := traceTail(b.String())
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	if lines[len(lines)-1] != "the last line" || omitted+len(lines) != 5001 || size > traceBytesPerJob || len(lines) > traceLinesPerJob {
		t.Errorf("kept %d lines (%d bytes), left out %d", len(lines), size, omitted)
	}
	long, _ := traceTail(strings.Repeat("é", 3000))
	if len(long) != 1 || !strings.HasSuffix(long[0], "…") || len(long[0]) > traceLineMaxLength+len("…") {
		t.Errorf("an overlong line: %d bytes", len(long[0]))
	}
}
