package slipway_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/slipwayhq/slipway"

// The import rules of the README's "Find your way around" table: what a
// package must not import itself. (workflows reaches selfservice through
// the activities it schedules, whose struct holds the run service.)
func TestPackagesKeepTheirImportRules(t *testing.T) {
	none := []string{"*"} // no Slipway package at all
	rules := map[string][]string{
		"runs":        {"activities", "audit", "catalog", "db", "frontend", "selfservice", "workflows", "worker"},
		"workflows":   {"selfservice", "frontend"},
		"activities":  {"workflows", "frontend"},
		"selfservice": {"frontend", "workflows", "activities"},
		"frontend":    {"workflows", "activities"},
		"secretstore": {"frontend", "workflows", "activities", "selfservice"},
		// The call and its dry run render requests alike: templates and
		// signatures only, nothing that reaches a store or a backend.
		"runs/backendrequest": {"activities", "audit", "catalog", "db", "frontend", "runs", "secretstore", "selfservice", "workflows", "worker"},
		"demo":                none,
		// Teams' workers import backend and nothing else of Slipway's.
		"backend":             none,
		"examples/teamworker": {"actions", "activities", "catalog", "db", "demo", "frontend", "runs", "secrets", "selfservice", "workflows", "worker"},
		"signing":             none,
		"pgcluster":           none,
		"temporalclient":      none,
		"weburl":              none,
		"outbound":            none,
		"runevents":           none,
		"telemetry":           none,
		".":                   none,
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for pkg, banned := range rules {
		out, err := exec.Command(goTool, "list", "-f", `{{join .Imports "\n"}}`, "./"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			rel, ok := strings.CutPrefix(dep, module+"/")
			if !ok || strings.HasPrefix(rel, "gen/") {
				continue
			}
			top := strings.SplitN(rel, "/", 2)[0]
			if slices.Contains(banned, "*") || slices.Contains(banned, top) {
				t.Errorf("%s imports %s", pkg, rel)
			}
		}
	}
}
