package runs

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Decision is one approver's answer.
type Decision struct {
	// Stage is the index of the approval stage decided on.
	Stage    int       `json:"stage,omitempty"`
	Approver string    `json:"approver"`
	Approved bool      `json:"approved"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// LogLine is one line of a run's log. Seq starts at 1 and has no gaps.
type LogLine struct {
	Seq     int64     `json:"seq"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// LogKey is a keyed log line the workflow remembers (workflows/run_logkeys.go
// says why): the digest of its idempotency key and the seq it was given.
type LogKey struct {
	Digest string
	Seq    int64
}

// LogKeyDigest is what the workflow remembers of an idempotency key.
func LogKeyDigest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// State is what the run workflow knows; its query and its updates return it.
type State struct {
	Status        Status
	StatusLabel   string
	Links         []string
	Summary       string
	ExternalRunID string
	Decisions     []Decision
	// Approvers may decide while the run waits (the current stage's).
	Approvers []string
	// Stage is the current approval stage (multi-stage approvals).
	Stage int
	// Notify is set for runs started since notifications exist; runs
	// replayed from before keep their histories by not sending any.
	Notify bool
	// LogCount is the number of lines accepted; PendingLogs are not yet stored.
	LogCount    int64
	PendingLogs []LogLine
	// LogKeys remembers the newest keyed lines, so a retry that lands
	// after continue-as-new is not stored again.
	LogKeys []LogKey `json:",omitempty"`
	// StorageNotes say what the database refused to store for good (log
	// lines given up); the saved status label ends with them.
	StorageNotes []string `json:",omitempty"`
	// Version orders the saved states of the run row.
	Version          int64
	ApprovalDeadline time.Time
	RunDeadline      time.Time
	BackendCalled    bool
	// GitHub is the GitHub Actions run a GITHUB action dispatched, once
	// known, and what the run follows of it; nil for other backends.
	GitHub *GitHubRun `json:",omitempty"`
	// Pipeline is the GitLab pipeline the run follows, carried over
	// continue-as-new so that the next workflow run follows it on.
	Pipeline  *PipelineFollow `json:",omitempty"`
	UpdatedAt time.Time
	EndedAt   time.Time
}

// PipelineFollow is where a run's wait for its GitLab pipeline stands.
type PipelineFollow struct {
	ProjectID, PipelineID int64
	PollEvery             time.Duration
	// Since is when the wait began; the wait between polls grows with it.
	Since time.Time
	// Streamed lists the jobs whose traces are in the run's log.
	Streamed []int64 `json:",omitempty"`
}

// WithoutLogKeys is s as callers see it: the key memory is the workflow's own.
func (s State) WithoutLogKeys() State {
	s.LogKeys = nil
	return s
}

// AwaitsDecisionFrom reports whether the run waits for email's decision:
// it waits for approval, email approves its current stage and has not
// decided on that stage yet. The portal's inbox and run page ask this; the
// workflow's decide validator refuses each case of it with its own reason.
func (s State) AwaitsDecisionFrom(email string) bool {
	return s.Status == StatusWaitingForApproval && s.IsApprover(email) && !s.HasDecided(email)
}

// IsApprover reports whether email approves the current stage.
func (s State) IsApprover(email string) bool {
	return slices.ContainsFunc(s.Approvers, func(a string) bool { return strings.EqualFold(a, email) })
}

// HasDecided reports whether email has decided on the current stage.
func (s State) HasDecided(email string) bool {
	return slices.ContainsFunc(s.Decisions, func(d Decision) bool {
		return d.Stage == s.Stage && strings.EqualFold(d.Approver, email)
	})
}
