package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// Permissions is Port's action permissions shape: who may execute the
// action and who approves its runs. Only admins change them (they are part
// of the definition, which only admins write).
type Permissions struct {
	Execute *ExecutePermission `json:"execute,omitempty"`
	Approve *Approvers         `json:"approve,omitempty"`
}

// ExecutePermission grants running the action. Users, roles, teams and
// ownedByTeam grant; a policy, when present, must also hold. With no grants
// listed, the policy alone decides; with neither, everyone may run it.
type ExecutePermission struct {
	Users []string `json:"users,omitempty"`
	Roles []string `json:"roles,omitempty"`
	Teams []string `json:"teams,omitempty"`
	// OwnedByTeam lets the entity's owning team run DAY-2 and DELETE actions on it.
	OwnedByTeam bool `json:"ownedByTeam,omitempty"`
	// Policy is jq over {inputs, user, entity, action} returning a boolean.
	Policy string `json:"policy,omitempty"`
}

// Subject is who asks, as permissions see them.
type Subject struct {
	Email string
	Role  string
	Teams []string
}

// Data is what a policy is evaluated over (the keys Port's policies use).
func (s Subject) Data() map[string]any {
	teams := make([]any, len(s.Teams))
	for i, t := range s.Teams {
		teams[i] = t
	}
	return map[string]any{"email": s.Email, "role": s.Role, "teams": teams}
}

// Grants reports whether the listed grants let subject run the action on
// an entity owned by entityTeam ("" for none). It does not evaluate the
// policy, which needs the run's inputs: see Allows.
func (p *ExecutePermission) Grants(s Subject, entityTeam string) bool {
	if p == nil || !p.hasGrants() {
		return true
	}
	if slices.ContainsFunc(p.Users, func(u string) bool { return strings.EqualFold(u, s.Email) }) ||
		slices.Contains(p.Roles, s.Role) {
		return true
	}
	for _, t := range s.Teams {
		if slices.Contains(p.Teams, t) || (p.OwnedByTeam && entityTeam != "" && t == entityTeam) {
			return true
		}
	}
	return false
}

func (p *ExecutePermission) hasGrants() bool {
	return len(p.Users) > 0 || len(p.Roles) > 0 || len(p.Teams) > 0 || p.OwnedByTeam
}

// Allows evaluates the policy over data ({inputs, user, entity, action});
// true when there is none.
func (p *ExecutePermission) Allows(ctx context.Context, data map[string]any) (bool, error) {
	if p == nil || p.Policy == "" {
		return true, nil
	}
	return evalBool(ctx, p.Policy, data)
}

// ApprovalStage is one step of a multi-stage approval: its approvers must
// reach their quorum within its TTL before the next stage starts.
type ApprovalStage struct {
	Title     string    `json:"title,omitempty"`
	Approvers Approvers `json:"approvers"`
	Type      string    `json:"type,omitempty"` // ANY (default) or ALL
	TTL       Duration  `json:"ttl,omitempty"`  // default: the action's approvalTtl
}

// Quorum returns the stage's quorum with its default.
func (s ApprovalStage) Quorum() string {
	if s.Type == "" {
		return QuorumAny
	}
	return s.Type
}

func validatePermissions(d *Definition, v *violations) {
	if d.Permissions != nil {
		if e := d.Permissions.Execute; e != nil {
			validatePeople("permissions.execute", e.Users, e.Roles, v)
			validatePolicy("permissions.execute.policy", e.Policy, v)
			if e.OwnedByTeam && d.Trigger.Operation == OperationCreate {
				v.add("permissions.execute.ownedByTeam", "applies to DAY-2 and DELETE actions, which run on an owned entity")
			}
		}
		if a := d.Permissions.Approve; a != nil {
			validateApprovers("permissions.approve", *a, v)
		}
	}
	if d.Approvers != nil {
		validateApprovers("approvers", *d.Approvers, v)
	}
	if len(d.ApprovalStages) > 0 && !d.RequiredApproval.Required {
		v.add("approvalStages", "needs requiredApproval: true or {\"type\": ...}")
	}
	for i, st := range d.ApprovalStages {
		path := fmt.Sprintf("approvalStages[%d]", i)
		validateApprovers(path+".approvers", st.Approvers, v)
		if st.Approvers.empty() {
			v.add(path+".approvers", "names nobody: list users, teams, roles or a policy")
		}
		if st.Type != "" && st.Type != QuorumAny && st.Type != QuorumAll {
			v.add(path+".type", `must be "ANY" or "ALL"`)
		}
		if st.TTL < 0 {
			v.add(path+".ttl", "must be positive")
		}
	}
}

func validateApprovers(path string, a Approvers, v *violations) {
	validatePeople(path, a.Users, a.Roles, v)
	validatePolicy(path+".policy", a.Policy, v)
}

func validatePeople(path string, users, roles []string, v *violations) {
	for i, r := range roles {
		if r != "admin" && r != "member" {
			v.add(fmt.Sprintf("%s.roles[%d]", path, i), "must be admin or member")
		}
	}
	for i, u := range users {
		if !strings.Contains(u, "@") {
			v.add(fmt.Sprintf("%s.users[%d]", path, i), "must be a user's email")
		}
	}
}

func validatePolicy(path, policy string, v *violations) {
	if policy == "" {
		return
	}
	if err := jqtemplate.CheckExpr(policy); err != nil {
		v.add(path, "%v", err)
	}
}

func (a Approvers) empty() bool {
	return len(a.Users) == 0 && len(a.Teams) == 0 && len(a.Roles) == 0 && a.Policy == ""
}

// PolicyApprovers evaluates an approvers policy (jq returning a list of
// emails, or one email) over data.
func (a Approvers) PolicyApprovers(ctx context.Context, data map[string]any) ([]string, error) {
	if a.Policy == "" {
		return nil, nil
	}
	v, err := jqtemplate.Eval(ctx, a.Policy, data)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("jq %q returned a list holding %v, not emails", a.Policy, e)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("jq %q returned %v, not a list of emails", a.Policy, v)
	}
}
