// Package demo is Slipway's working demo. Seed writes the blueprints,
// entities and actions `slipway dev` starts with; Backend is the webhook
// backend those actions call: it creates real Git repositories, keeps
// environment state in files and writes the catalog back through Slipway's
// public API with each run's token, like any backend outside Slipway would.
//
// Everything the demo keeps lives under one folder (<data dir>/demo):
// repos/ (one Git repository per service), environments/ (one JSON state
// file per environment) and seed.json (what the seed wrote, so that a later
// start never overwrites what a user changed).
package demo
