package frontend

import (
	"strings"

	"github.com/slipwayhq/slipway/frontend/views"
)

// maxDiffCells bounds the work of a line diff (old lines × new lines);
// past it the diff shows every old line removed and every new one added,
// still true, only less telling.
const maxDiffCells = 4_000_000

// lineDiff is a line diff of old and new (a longest common subsequence of
// lines): kept lines ' ', old-only '-', new-only '+', in order.
func lineDiff(old, new string) []views.DiffLine {
	a, b := strings.Split(old, "\n"), strings.Split(new, "\n")
	if len(a)*len(b) > maxDiffCells {
		out := make([]views.DiffLine, 0, len(a)+len(b))
		for _, l := range a {
			out = append(out, views.DiffLine{Op: '-', Text: l})
		}
		for _, l := range b {
			out = append(out, views.DiffLine{Op: '+', Text: l})
		}
		return out
	}
	// common[i][j]: length of the longest common subsequence of a[i:], b[j:].
	common := make([][]int32, len(a)+1)
	for i := range common {
		common[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				common[i][j] = common[i+1][j+1] + 1
			} else {
				common[i][j] = max(common[i+1][j], common[i][j+1])
			}
		}
	}
	var out []views.DiffLine
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, views.DiffLine{Op: ' ', Text: a[i]})
			i, j = i+1, j+1
		case common[i+1][j] >= common[i][j+1]:
			out = append(out, views.DiffLine{Op: '-', Text: a[i]})
			i++
		default:
			out = append(out, views.DiffLine{Op: '+', Text: b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, views.DiffLine{Op: '-', Text: a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, views.DiffLine{Op: '+', Text: b[j]})
	}
	return out
}
