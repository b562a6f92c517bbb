package selfservice

import (
	"context"
	"errors"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/db"
	"github.com/slipwayhq/slipway/identity"
)

// The portal's action editor checks a draft as the admin types and shows
// its form before anything is saved: the same checks CreateAction and
// UpdateAction make, and the same form evaluation the portal and the API
// use for saved actions.

// errDraftOnly rolls back the transaction a draft is checked in.
var errDraftOnly = errors.New("draft checked, nothing to save")

// CheckDraft checks raw as saving it would (CreateAction when identifier
// is "", else UpdateAction of identifier), without saving: the errors name
// the field paths a save would name. parsed says whether d is a whole
// definition (its form can be shown) even when a later check refused it.
// Admins only.
func (s *Service) CheckDraft(ctx context.Context, actor slipway.User, identifier string, raw []byte) (d actions.Definition, parsed bool, err error) {
	if err := requireAdmin(actor, "change actions"); err != nil {
		return actions.Definition{}, false, err
	}
	d, _, err = s.parseForStorage(raw)
	if err != nil {
		return d, false, err
	}
	if identifier != "" && d.Identifier != identifier {
		return d, true, slipway.FieldError("action.identifier", "must be %q, the action being updated", identifier)
	}
	err = s.Store.Change(ctx, func(tx db.Tx) error {
		if err := checkBlueprints(ctx, tx, d); err != nil {
			return err
		}
		if err := checkSecrets(ctx, tx, d); err != nil {
			return err
		}
		return errDraftOnly
	})
	if errors.Is(err, errDraftOnly) {
		err = nil
	}
	return d, true, err
}

// EvaluateDraftForm is EvaluateForm of the draft d, as the user named
// asUser ("" for actor) would see it on entity. Admins only: the draft may
// be anything, published or not.
func (s *Service) EvaluateDraftForm(ctx context.Context, actor slipway.User, d actions.Definition, asUser, entity string, values map[string]any) (actions.FormState, error) {
	if err := requireAdmin(actor, "preview drafts"); err != nil {
		return actions.FormState{}, err
	}
	user := actor
	if asUser != "" {
		u, err := s.namedUser(ctx, "as_user", asUser)
		if err != nil {
			return actions.FormState{}, err
		}
		user = u
	}
	fc, err := s.formContext(ctx, user, d, entity)
	if err != nil {
		return actions.FormState{}, err
	}
	return d.Trigger.UserInputs.Evaluate(ctx, values, fc), nil
}

// namedUser is the user email names, or an error on field when none.
func (s *Service) namedUser(ctx context.Context, field, email string) (slipway.User, error) {
	u, err := identity.New(s.Store).UserByEmail(ctx, email)
	if slipway.ErrorCode(err) == slipway.CodeNotFound {
		return u, slipway.FieldError(field, "no user %q", email)
	}
	return u, err
}
