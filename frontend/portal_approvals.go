package frontend

import (
	"net/http"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

// approvalsPage is the inbox of runs waiting for the current user's
// decision, each with its inputs and why it needs approval.
func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title, shell.Active = "Approvals", "approvals"
	mine, err := s.SelfService.AwaitingDecision(r.Context(), currentUser(r.Context()))
	if err != nil {
		return err
	}
	defs := map[string]*actions.Definition{}
	cards := make([]views.ApprovalCard, 0, len(mine))
	for _, run := range mine {
		cards = append(cards, s.approvalCard(r, shell.CSRF, run, defs))
	}
	return render(w, r, http.StatusOK, views.ApprovalsPage(shell, cards))
}

// decideInline is the inbox's decision (htmx): the same Decide as the API
// and the run page, answered with the run's card, which shows the outcome,
// or the card again with the refusal in people's words.
func (s *Server) decideInline(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	me := currentUser(r.Context())
	approve := r.PostFormValue("decision") == "approve"
	reason := r.PostFormValue("reason")
	run, err := s.SelfService.Decide(r.Context(), me, r.PathValue("id"), approve, reason)
	if err != nil {
		current, viewErr := s.SelfService.View(r.Context(), me, r.PathValue("id"))
		if viewErr != nil {
			return err // not the viewer's to see: answered as any other refusal
		}
		if code := slipway.ErrorCode(err); httpStatus(code) == http.StatusInternalServerError {
			return err
		}
		card := s.approvalCard(r, shell.CSRF, current, map[string]*actions.Definition{})
		card.Error = slipway.ErrorMessage(err)
		if !current.AwaitsDecisionFrom(me.Email) {
			// Decided by someone else, expired or cancelled meanwhile: no form to retry.
			card.Outcome = "This run no longer waits for your decision: it is " + string(current.Status) + "."
		}
		// 200, so htmx swaps the card in (it leaves 4xx answers unswapped).
		return render(w, r, http.StatusOK, views.ApprovalCardView(card))
	}
	card := s.approvalCard(r, shell.CSRF, run, map[string]*actions.Definition{})
	card.Outcome = decisionOutcome(run, approve, reason)
	return render(w, r, http.StatusOK, views.ApprovalCardView(card))
}

// decisionOutcome says what the viewer's decision did to run.
func decisionOutcome(run selfservice.Run, approve bool, reason string) string {
	out := "You declined this run"
	if approve {
		out = "You approved this run"
	}
	if reason != "" {
		out += ": " + reason
	}
	switch run.Status {
	case runs.StatusWaitingForApproval:
		return out + ". It still waits for other approvers."
	case runs.StatusInProgress:
		return out + ". It is running."
	}
	return out + ". It is now " + string(run.Status) + "."
}

// approvalCard shapes run for the inbox; defs caches actions by identifier
// across one page's cards.
func (s *Server) approvalCard(r *http.Request, csrf string, run selfservice.Run, defs map[string]*actions.Definition) views.ApprovalCard {
	d, seen := defs[run.Action]
	if !seen {
		if got, err := s.SelfService.GetAction(r.Context(), run.Action); err == nil {
			d = &got
		}
		defs[run.Action] = d
	}
	card := views.ApprovalCard{RunID: run.ID, Action: run.Action, Requester: run.RequesterEmail, Entity: run.Entity,
		Created: run.CreatedAt, CSRF: csrf}
	var secret map[string]bool
	if d != nil {
		card.Action = str(d.Title, d.Identifier)
		secret = secretInputs(*d)
	}
	card.Inputs = inputRows(run.Inputs, secret)
	why := run.ApprovalReason()
	card.Condition, card.AnyOf, card.Approvers = why.Condition, why.Quorum != actions.QuorumAll, why.Approvers
	if why.Stages > 0 {
		card.Stage = views.StageName(why.StageTitle, why.Stage, why.Stages)
	}
	for _, dec := range run.Approvals {
		if dec.Stage == why.Stage && dec.Approved {
			card.Decided = append(card.Decided, views.DecisionView{Approver: dec.Approver, Approved: true, At: dec.At})
		}
	}
	return card
}
