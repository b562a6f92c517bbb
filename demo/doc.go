// Package demo is Slipway's working demo backend: the webhook backend the
// demo's actions call. It creates real Git repositories, keeps environment
// state in files and writes the catalog back through Slipway's public API
// with each run's token, like any backend outside Slipway would: it imports
// nothing of Slipway's and verifies the requests' signatures with its own
// code. It also holds the starter definitions (StarterBlueprints,
// StarterActions, StarterEntities) that package demo/seed writes into
// Slipway when `slipway dev` starts.
//
// Everything the demo keeps lives under one folder (<data dir>/demo):
// repos/ (one Git repository per service), environments/ (one JSON state
// file per environment) and seed.json (what the seed wrote, so that a later
// start never overwrites what a user changed).
package demo
