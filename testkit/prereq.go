// Package testkit holds what tests share: checks for prerequisites that are
// failures in CI and skips on a developer's machine.
package testkit

import (
	"os"
	"testing"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing reports a missing prerequisite: in CI it fails the test, elsewhere
// it skips it with the reason and how to install it.
func Missing(tb testing.TB, what string, err error) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("%s is required in CI (CI=true): %v", what, err)
	}
	tb.Skipf("%s not available (run `make setup`): %v", what, err)
}
