package selfservice

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"

	"github.com/google/uuid"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/runs/backendrequest"
	"github.com/slipwayhq/slipway/secrets"
)

// A dry run answers what a run would do, through the checks a run's start
// makes (runInput: grants, inputs, directory, policy, approval plan) and
// the rendering its backend call makes (backendrequest.Render,
// actions.EntityMapping.Render), and stops there: no workflow, no row, no
// audit event, no call. Secrets are never opened: secret inputs and
// {{ .secrets.NAME }} render as secrets.Mask, and so do the signature and
// the run's token, which exist only when a run does.

// DryRun is what a run would do.
type DryRun struct {
	// Violations are the inputs' problems, every one; when there are any,
	// nothing else is filled in.
	Violations []slipway.Violation
	// Inputs are the validated inputs with their defaults, secret ones masked.
	Inputs   map[string]any
	Approval DryRunApproval
	Backend  DryRunBackend
}

// DryRunApproval says whether the run would wait for approval, and for whom.
type DryRunApproval struct {
	Required bool
	// Waived: the action requires approval, and its condition waives it for this run.
	Waived bool
	// Stages are the approval steps in order (one when the action has no stages).
	Stages []runs.ApprovalStage
}

// DryRunBackend is what the backend would get.
type DryRunBackend struct {
	Type string
	// Target is where the call goes: the URL, the task queue and activity,
	// the Nexus endpoint, service and operation, or the blueprint written.
	Target string
	// Request is a WEBHOOK's request.
	Request *backendrequest.Request
	// Entity is the entity an UPSERT_ENTITY would write.
	Entity *actions.MappedEntity
	// Payload is the trigger data the backend is sent (the WEBHOOK's body
	// when it configures none), for every type.
	Payload map[string]any
	// Message is a KAFKA message.
	Message []byte
	// Variables are a GITHUB workflow's inputs or a GITLAB pipeline's
	// variables.
	Variables map[string]string
	// Problem is why the request cannot be rendered (a template's error):
	// the run would fail at its backend call with it.
	Problem string
}

// DryRun previews a run of action on entity with inputs by actor, or, when
// asUser names a user and actor is an admin, by that user; origin is
// where it would start from (the payload's trigger.origin). The payload's
// run.id is all zeros and its run.token masked: no run exists.
func (s *Service) DryRun(ctx context.Context, actor slipway.User, action, entity string, inputs map[string]any, asUser, origin string) (DryRun, error) {
	if strings.TrimSpace(action) == "" {
		return DryRun{}, slipway.FieldError("action", "is required")
	}
	viewer := actor // who reads the preview; actor is whom it is for
	if asUser != "" {
		if !actor.IsAdmin() {
			return DryRun{}, &slipway.Error{Code: slipway.CodePermission, Field: "as_user", Message: "only admins preview a run as another user"}
		}
		u, err := s.namedUser(ctx, "as_user", asUser)
		if err != nil {
			return DryRun{}, err
		}
		actor = u
	}
	in, err := s.runInput(ctx, actor, startRequest{action: action, entity: entity, inputs: inputs,
		origin: origin, runID: uuid.Nil, dryRun: true})
	var e *slipway.Error
	if errors.As(err, &e) && e.Code == slipway.CodeInvalid && e.Field != "action" {
		v := e.Violations
		if len(v) == 0 {
			v = []slipway.Violation{{Field: e.Field, Message: e.Message}}
		}
		return DryRun{Violations: v}, nil
	}
	if err != nil {
		return DryRun{}, err
	}
	in.Inputs = maskSecretInputs(in.Action, in.Inputs)
	in.RunToken = secrets.Mask
	out := DryRun{Inputs: in.Inputs, Approval: approvalOf(in), Backend: s.previewBackend(ctx, in, viewer.IsAdmin())}
	return out, nil
}

// maskSecretInputs is inputs with the secret ones' values masked.
func maskSecretInputs(d actions.Definition, inputs map[string]any) map[string]any {
	out := maps.Clone(inputs)
	for name, v := range out {
		if in, ok := d.Trigger.UserInputs.Properties[name]; ok && in.Secret() && v != nil {
			out[name] = secrets.Mask
		}
	}
	return out
}

func approvalOf(in runs.Input) DryRunApproval {
	a := DryRunApproval{Required: in.FirstStatus() == runs.StatusWaitingForApproval, Waived: in.ApprovalWaived, Stages: in.Stages}
	if a.Required && len(a.Stages) == 0 {
		a.Stages = []runs.ApprovalStage{{Approvers: in.Approvers}}
	}
	return a
}

// jsonTree is v as JSON decodes it (what templates see in the activity,
// which reads the payload from JSON).
func jsonTree(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return out
}
