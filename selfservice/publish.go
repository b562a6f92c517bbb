package selfservice

import (
	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/runs"
)

// Published reports whether d is offered to people: Port's `publish`,
// true unless the definition says false.
func Published(d actions.Definition) bool {
	return d.Publish == nil || *d.Publish
}

// checkPublished refuses a person's run of an unpublished action. Port
// hides such an action from its portal and its API alike, so here the
// API refuses it too, not only the portal:
//   - members are told there is no such action (not_found), as GetAction
//     and ListActions answer them, so an unpublished action's existence
//     does not show;
//   - admins, who still read it in GetAction and ListActions, are told why
//     (failed_precondition): the action exists and will run once published.
//
// Automation (an expiry action) still runs it: an action that only a timer
// should start is exactly one to keep off the portal. A dry run by an admin
// is allowed, so that an action can be tried before it is published.
func checkPublished(actor slipway.User, d actions.Definition, req startRequest) error {
	if Published(d) || req.origin == runs.OriginAutomation || (req.dryRun && actor.IsAdmin()) {
		return nil
	}
	if !actor.IsAdmin() {
		return slipway.FieldError("action", "no action %q", d.Identifier)
	}
	return &slipway.Error{Code: slipway.CodePrecondition, Field: "action", Message: "action " + d.Identifier +
		" is not published (publish: false): set publish to true to run it"}
}
