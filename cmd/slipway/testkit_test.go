//go:build !slipway_lean

package main

import "github.com/slipwayhq/slipway/testkit"

// testkit's helpers under the short names this package's tests call them
// by (one definition, in testkit; no copy here).
var (
	postJSON  = testkit.PostJSON
	sendJSON  = testkit.SendJSON
	waitUntil = testkit.WaitUntil
)
