package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/notifications"
	"github.com/slipwayhq/slipway/secrets"
)

// recordNotice names the registered activity, so the worker's instance
// (with its store) runs it as a local activity.
const recordNotice = "RecordNotice"

// noticeDelivery bounds how long a notification webhook may stay down:
// retried every few minutes for a week.
const noticeDelivery = 7 * 24 * time.Hour

// noticeWaiting tells the current stage's approvers that the run waits for them.
func (r *run) noticeWaiting(ctx workflow.Context) {
	body := r.in.Requester.Email + " asks to run " + r.actionTitle()
	if r.in.Entity != "" {
		body += " on " + r.in.Entity
	}
	r.notice(ctx, fmt.Sprintf("waiting/%d", r.s.Stage), notifications.Waiting,
		"Approval needed: "+r.actionTitle()+r.stageSuffix(), body, r.s.Approvers)
}

// noticeApproved tells the requester that the last stage approved the run.
func (r *run) noticeApproved(ctx workflow.Context) {
	r.notice(ctx, "approved", notifications.Approved, "Your run of "+r.actionTitle()+" was approved", r.s.StatusLabel, []string{r.in.Requester.Email})
}

// noticeEnded tells the requester how the run ended.
func (r *run) noticeEnded(ctx workflow.Context) {
	r.notice(ctx, "ended", notifications.Ended, r.actionTitle()+": "+string(r.s.Status), r.s.StatusLabel, []string{r.in.Requester.Email})
}

// notice records an in-app notification and posts the action's webhook, in
// the background: the run goes on while a receiver is down.
func (r *run) notice(ctx workflow.Context, event string, kind notifications.Kind, title, body string, recipients []string) {
	if !r.s.Notify {
		return
	}
	// Masking builds a map from a map: iteration order cannot show.
	//workflowcheck:ignore
	masked := secrets.MaskInputs(r.in.Inputs)
	n := notifications.Notice{
		RunID: r.in.RunID, Event: event, Kind: kind, Title: title, Body: body, Recipients: recipients,
		Run: map[string]any{
			"id": r.in.RunID, "action": r.in.Action.Identifier, "status": r.s.Status, "statusLabel": r.s.StatusLabel,
			"requester": r.in.Requester.Email, "entity": r.in.Entity, "approvers": r.s.Approvers,
			// Sealed secrets stay masked: approvers never see them.
			"inputs": masked,
		},
	}
	// Decoding the definition's own JSON is pure.
	//workflowcheck:ignore
	url, format, hasWebhook := r.in.Action.NotificationWebhook()
	r.pendingNotices++
	workflow.Go(ctx, func(gctx workflow.Context) {
		defer func() { r.pendingNotices-- }()
		var a *activities.Activities
		// A few inserts: a local activity, so a notice costs the run no
		// round trip through the task queue.
		lctx := workflow.WithLocalActivityOptions(gctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: 10 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
		})
		if err := workflow.ExecuteLocalActivity(lctx, recordNotice, activities.RecordNoticeInput{Notice: n}).Get(lctx, nil); err != nil {
			workflow.GetLogger(gctx).Error("in-app notification failed", "event", event, "err", err)
		}
		if !hasWebhook {
			return
		}
		wctx := workflow.WithActivityOptions(gctx, workflow.ActivityOptions{
			StartToCloseTimeout:    30 * time.Second,
			ScheduleToCloseTimeout: noticeDelivery,
			RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
		})
		if err := workflow.ExecuteActivity(wctx, a.SendNotice, activities.SendNoticeInput{Notice: n, URL: url, Format: format}).Get(wctx, nil); err != nil {
			workflow.GetLogger(gctx).Error("notification webhook gave up", "event", event, "err", err)
		}
	})
}

// actionTitle names the action for people.
func (r *run) actionTitle() string {
	if t := strings.TrimSpace(r.in.Action.Title); t != "" {
		return t
	}
	return r.in.Action.Identifier
}
