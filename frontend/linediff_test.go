package frontend

import (
	"strings"
	"testing"
)

func TestLineDiffKeepsCommonLinesAndMarksTheRest(t *testing.T) {
	old := "{\n  \"title\": \"Deploy\",\n  \"icon\": \"Git\"\n}"
	new := "{\n  \"title\": \"Deploy it\",\n  \"icon\": \"Git\",\n  \"publish\": false\n}"
	var got []string
	for _, l := range lineDiff(old, new) {
		got = append(got, string(l.Op)+l.Text)
	}
	want := []string{" {", "-  \"title\": \"Deploy\",", "-  \"icon\": \"Git\"", "+  \"title\": \"Deploy it\",", "+  \"icon\": \"Git\",", "+  \"publish\": false", " }"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range lineDiff(old, old) {
		if l.Op != ' ' {
			t.Errorf("identical texts differ at %q", l.Text)
		}
	}
}
