package selfservice

import (
	"context"
	"fmt"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/secretstore"
)

// Who reads which definitions: admins read every definition whole; anyone
// else reads only the actions they may run, and of those only the public
// view (the form, never the backend or the permissions). An action they
// may not run answers not found, so that its existence does not show.

// MayRun reports whether actor may run d on some entity, judging by the
// grants: directly, or through an entity their team owns when d grants
// ownedByTeam. The policy, which needs a run's inputs, is checked when the
// run starts.
func MayRun(actor slipway.User, d actions.Definition) bool {
	if MayOffer(actor, d, "") {
		return true
	}
	e := d.Permissions.Execute // MayOffer said no, so there are grants
	return e != nil && e.OwnedByTeam && len(actor.Teams) > 0
}

// DefinitionFor is d as actor reads it: whole for admins, the public view
// for everyone else, taken from the redacted definition (header values and
// secret templates masked) so that nothing added to the view later can
// show a credential.
func DefinitionFor(actor slipway.User, d actions.Definition) any {
	if actor.IsAdmin() {
		return d
	}
	return d.Redacted().PublicView()
}

// ViewAction is GetAction for actor: an action actor may not run is
// reported as not found. The definition is whole; show it through
// DefinitionFor.
func (s *Service) ViewAction(ctx context.Context, actor slipway.User, identifier string) (actions.Definition, error) {
	d, err := s.GetAction(ctx, identifier)
	if err != nil {
		return d, err
	}
	if !offered(actor, d) {
		return actions.Definition{}, slipway.Errorf(slipway.CodeNotFound, "action %s not found", identifier)
	}
	return d, nil
}

// offered reports whether actor reads d at all: admins read every
// definition, published or not; anyone else only published actions they
// may run.
func offered(actor slipway.User, d actions.Definition) bool {
	return actor.IsAdmin() || (Published(d) && MayRun(actor, d))
}

// ViewActions is ListActions for actor: only the actions actor may run.
func (s *Service) ViewActions(ctx context.Context, actor slipway.User, blueprint string) ([]actions.Definition, error) {
	defs, err := s.ListActions(ctx, blueprint)
	if err != nil {
		return nil, err
	}
	out := defs[:0]
	for _, d := range defs {
		if offered(actor, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// checkBlueprints refuses a definition naming a blueprint that does not
// exist: a typo would otherwise surface only when the action is used. They
// are held in tx, so none is deleted before the definition commits.
func checkBlueprints(ctx context.Context, tx db.Tx, d actions.Definition) error {
	named := []struct{ field, blueprint string }{
		{"action.trigger.blueprintIdentifier", d.Trigger.BlueprintIdentifier},
		{"action.invocationMethod.blueprintIdentifier", d.InvocationMethod.BlueprintIdentifier},
	}
	var v []slipway.Violation
	for _, n := range named {
		if n.blueprint == "" {
			continue
		}
		_, err := tx.HoldBlueprint(ctx, n.blueprint)
		switch err = db.MapError(err, "blueprint "+n.blueprint); {
		case slipway.ErrorCode(err) == slipway.CodeNotFound:
			v = append(v, slipway.Violation{Field: n.field, Message: fmt.Sprintf("no blueprint %q", n.blueprint)})
		case err != nil:
			return err
		}
	}
	return slipway.Invalid("action", v)
}

// checkSecrets refuses a definition naming a secret that does not exist,
// at the path of each template naming it, and holds those it names until
// the definition commits, so none is deleted meanwhile.
func checkSecrets(ctx context.Context, tx db.Tx, d actions.Definition) error {
	refs, _ := d.SecretRefs()
	return secretstore.Hold(ctx, tx, refs, "action.")
}
