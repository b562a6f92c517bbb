//go:build !slipway_lean

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/slipwayhq/slipway/testkit/pgtest"
)

// TestMain stops the tests' PostgreSQL and deletes the slipway binary the
// process-topology tests built, once every test is done.
func TestMain(m *testing.M) {
	code := pgtest.Run(m)
	if binaryPath != "" {
		_ = os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}
