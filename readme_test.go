package slipway_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's "Find your way around" table names every top-level folder
// of the tree (the dot folders and build output aside) and nothing that
// is not there, and says of each what it owns and what it must not do.
func TestReadmeTableMatchesTheTree(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Find your way around\n")
	if !ok {
		t.Fatal(`README has no "## Find your way around" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	cell := regexp.MustCompile("`([^`]+)`")
	listed := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 5 || !strings.Contains(cols[1], "`") {
			continue
		}
		if strings.TrimSpace(cols[2]) == "" || strings.TrimSpace(cols[3]) == "" {
			t.Errorf("row %q: say what it owns and what it must not do", strings.TrimSpace(cols[1]))
		}
		for _, m := range cell.FindAllStringSubmatch(cols[1], -1) {
			path := strings.TrimSuffix(m[1], "/")
			if _, err := os.Stat(path); err != nil {
				t.Errorf("the table lists %s, which is not in the tree", m[1])
			}
			listed[strings.SplitN(path, "/", 2)[0]] = true
		}
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || name == "bin" || name == "node_modules" {
			continue
		}
		if !listed[name] {
			missing = append(missing, name+"/")
		}
	}
	// The root package's files are listed by name.
	roots, _ := filepath.Glob("*.go")
	for _, f := range roots {
		if !strings.HasSuffix(f, "_test.go") && !listed[f] {
			missing = append(missing, f)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("the table does not list %v", missing)
	}
}
