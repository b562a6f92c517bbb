package selfservice

import (
	"context"
	"fmt"

	"slices"
	"strings"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/gen/queries"
	"github.com/slipwayhq/slipway/runs"
)

// subject is the actor as permissions see them.
func subject(u slipway.User) actions.Subject {
	teams := make([]string, len(u.Teams))
	for i, t := range u.Teams {
		teams[i] = t.Identifier
	}
	return actions.Subject{Email: u.Email, Role: string(u.Role), Teams: teams}
}

// MayOffer reports whether actor may run d on an entity owned by
// entityTeam, judging by the grants only: the portal lists such actions,
// and the policy (which needs the inputs) is checked when the run starts.
// Admins may run every action.
func MayOffer(actor slipway.User, d actions.Definition, entityTeam string) bool {
	if actor.IsAdmin() || d.Permissions == nil {
		return true
	}
	return d.Permissions.Execute.Grants(subject(actor), entityTeam)
}

// checkExecute refuses a run actor may not start; data is the run's
// trigger data, which the policy is evaluated over.
func checkExecute(ctx context.Context, actor slipway.User, d actions.Definition, data map[string]any) error {
	if actor.IsAdmin() || d.Permissions == nil || d.Permissions.Execute == nil {
		return nil
	}
	entityTeam := ""
	if e, ok := data["entity"].(map[string]any); ok {
		entityTeam, _ = e["team"].(string)
	}
	if !d.Permissions.Execute.Grants(subject(actor), entityTeam) {
		return slipway.Errorf(slipway.CodePermission, "you may not run action %s", d.Identifier)
	}
	ok, err := d.Permissions.Execute.Allows(ctx, policyData(actor, data))
	if err != nil {
		return slipway.Errorf(slipway.CodePrecondition, "action %s: permissions.execute.policy: %v", d.Identifier, err)
	}
	if !ok {
		return slipway.Errorf(slipway.CodePermission, "action %s's policy does not let you start this run", d.Identifier)
	}
	return nil
}

// policyData is what execute and approve policies see: the trigger data
// with the requester as "user".
func policyData(actor slipway.User, data map[string]any) map[string]any {
	out := map[string]any{"inputs": data["inputs"], "entity": data["entity"], "action": data["action"]}
	user := subject(actor).Data()
	user["name"] = actor.Name
	out["user"] = user
	return out
}

// approvalPlan resolves who approves a run that needs approval: the single
// step's approvers, or each stage's.
func (s *Service) approvalPlan(ctx context.Context, actor slipway.User, d actions.Definition, data map[string]any) ([]string, []runs.ApprovalStage, error) {
	pd := policyData(actor, data)
	if len(d.ApprovalStages) == 0 {
		approvers, err := s.resolveApprovers(ctx, d, d.ApproversFor(), actor, pd, "")
		return approvers, nil, err
	}
	stages := make([]runs.ApprovalStage, len(d.ApprovalStages))
	for i, st := range d.ApprovalStages {
		name := st.Title
		if name == "" {
			name = fmt.Sprintf("stage %d", i+1)
		}
		approvers, err := s.resolveApprovers(ctx, d, &st.Approvers, actor, pd, name)
		if err != nil {
			return nil, nil, err
		}
		stages[i] = runs.ApprovalStage{Title: st.Title, Approvers: approvers, Quorum: st.Quorum(), TTL: time.Duration(st.TTL)}
	}
	return stages[0].Approvers, stages, nil
}

// resolveApprovers turns approvers (nil: every admin) into emails of
// existing users, without the requester unless the action allows
// self-approval.
func (s *Service) resolveApprovers(ctx context.Context, d actions.Definition, a *actions.Approvers, actor slipway.User, pd map[string]any, stage string) ([]string, error) {
	if a == nil || (len(a.Users) == 0 && len(a.Teams) == 0 && len(a.Roles) == 0 && a.Policy == "") {
		a = &actions.Approvers{Roles: []string{string(slipway.RoleAdmin)}}
	}
	set := map[string]bool{}
	emails := slices.Clone(a.Users)
	fromPolicy, err := a.PolicyApprovers(ctx, pd)
	if err != nil {
		return nil, slipway.Errorf(slipway.CodePrecondition, "action %s: approvers policy: %v", d.Identifier, err)
	}
	emails = append(emails, fromPolicy...)
	for _, email := range emails {
		if u, err := s.Store.Q.GetUserByEmail(ctx, email); err == nil {
			set[strings.ToLower(u.Email)] = true
		}
	}
	if len(a.Teams) > 0 {
		members, err := s.Store.Q.ListUsersInTeams(ctx, a.Teams)
		if err != nil {
			return nil, err
		}
		for _, u := range members {
			set[strings.ToLower(u.Email)] = true
		}
	}
	for _, role := range a.Roles {
		users, err := s.Store.Q.ListUsersByRole(ctx, role)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			set[strings.ToLower(u.Email)] = true
		}
	}
	if !d.AllowSelfApproval {
		delete(set, strings.ToLower(actor.Email))
	}
	if len(set) == 0 {
		where := ""
		if stage != "" {
			where = " (" + stage + ")"
		}
		return nil, slipway.Errorf(slipway.CodePrecondition, "action %s needs approval%s but nobody besides you may approve it", d.Identifier, where)
	}
	out := make([]string, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	slices.Sort(out)
	return out, nil
}

// VisibleTo reports whether actor may see the run, its logs and its
// events: everyone, unless its action keeps runs private to their
// requester, approvers (of every stage) and admins.
func (r Run) VisibleTo(actor slipway.User) bool {
	return r.visibleToAll || actor.IsAdmin() || r.RequestedBy == actor.ID ||
		slices.Contains(r.approverSet, strings.ToLower(actor.Email))
}

// View is Get for actor: a run actor may not see is reported as not found,
// so private runs do not even show that they exist.
func (s *Service) View(ctx context.Context, actor slipway.User, id string) (Run, error) {
	row, err := s.visibleRow(ctx, actor, id)
	if err != nil {
		return Run{}, err
	}
	return s.complete(ctx, row)
}

// visibleRow loads a run's row for actor, without asking its workflow,
// for checks that need only who requested and who may see it.
func (s *Service) visibleRow(ctx context.Context, actor slipway.User, id string) (queries.Run, error) {
	row, err := s.row(ctx, id)
	if err != nil {
		return queries.Run{}, err
	}
	if !fromRow(row).VisibleTo(actor) {
		return queries.Run{}, slipway.Errorf(slipway.CodeNotFound, "run %s not found", id)
	}
	return row, nil
}
