// Package notifications is what a run tells people: the Notice a run
// workflow composes, the in-app inbox it is recorded in and the portal
// reads (Inbox), and the webhook request that posts it to a receiver
// (NewWebhookRequest, in Slipway's JSON shape or as a Slack message).
//
// It does not decide who is told what, or when (the run workflow does), nor
// send requests or retry them (the SendNotice activity does).
package notifications

// Kind says what happened. The values are part of the webhook's JSON.
type Kind string

const (
	Waiting  Kind = "WAITING_FOR_APPROVAL" // to the approvers of a stage
	Approved Kind = "APPROVED"             // to the requester
	Ended    Kind = "ENDED"                // to the requester: success, failure, declined, expired, cancelled
)

// Notice is one thing a run tells people. It travels in activity inputs:
// its field names are recorded in workflow histories and must not change.
type Notice struct {
	RunID string
	// Event keys the notice within its run ("waiting/1", "ended"), so a
	// retried activity never notifies twice.
	Event string
	Kind  Kind
	Title string
	Body  string
	// Recipients get it in the portal (emails; unknown ones are skipped).
	Recipients []string
	// Run is what a webhook receiver learns of the run (secrets masked).
	Run map[string]any
}
