// Package actions holds self-service action definitions: Port's JSON shape
// (current and legacy), Slipway's additions, validation of a definition on
// write, and validation of the inputs a run is started with.
package actions

import (
	"encoding/json"
	"time"
)

// Operations an action performs on its blueprint's entities.
const (
	OperationCreate = "CREATE"
	OperationDay2   = "DAY-2"
	OperationDelete = "DELETE"
)

// Invocation types: the backends a run can call (invocationMethod.type).
const (
	InvocationWebhook      = "WEBHOOK"
	InvocationUpsertEntity = "UPSERT_ENTITY"
	InvocationTemporal     = "TEMPORAL"
	InvocationKafka        = "KAFKA"
	InvocationGitLab       = "GITLAB"
	InvocationGitHub       = "GITHUB"
)

// Definition is an action as a Port user writes it, plus Slipway's fields.
type Definition struct {
	Identifier            string          `json:"identifier"`
	Title                 string          `json:"title,omitempty"`
	Icon                  string          `json:"icon,omitempty"`
	Description           string          `json:"description,omitempty"`
	Trigger               Trigger         `json:"trigger"`
	InvocationMethod      Invocation      `json:"invocationMethod"`
	RequiredApproval      Approval        `json:"requiredApproval"`
	ApprovalNotification  json.RawMessage `json:"approvalNotification,omitempty"`
	Publish               *bool           `json:"publish,omitempty"`
	AllowAnyoneToViewRuns *bool           `json:"allowAnyoneToViewRuns,omitempty"`

	// Slipway's additions.

	// Permissions say who may execute the action and approve its runs.
	Permissions *Permissions `json:"permissions,omitempty"`
	// Approvers may approve runs; empty means every admin. Kept alongside
	// permissions.approve, which takes precedence.
	Approvers *Approvers `json:"approvers,omitempty"`
	// ApprovalStages, when set, replace the single approval step: each
	// stage starts when the one before reached its quorum.
	ApprovalStages []ApprovalStage `json:"approvalStages,omitempty"`
	// AllowSelfApproval lets requesters approve their own runs.
	AllowSelfApproval bool `json:"allowSelfApproval,omitempty"`
	// ApprovalTTL is how long a run may wait for approval (default 7 days).
	ApprovalTTL Duration `json:"approvalTtl,omitempty"`
	// RunTimeout is how long an asynchronous backend may take (default 1 hour).
	RunTimeout Duration `json:"runTimeout,omitempty"`
	// RetryPolicy governs the backend call.
	RetryPolicy *RetryPolicy `json:"retryPolicy,omitempty"`
}

// Trigger says how and where the action is offered.
type Trigger struct {
	Type                string          `json:"type"`
	Operation           string          `json:"operation"`
	BlueprintIdentifier string          `json:"blueprintIdentifier,omitempty"`
	UserInputs          UserInputs      `json:"userInputs"`
	Condition           json.RawMessage `json:"condition,omitempty"`
}

// UserInputs is the form a run is started with. Its JSON shape is Port's
// (see userinputs_json.go): "required" is a list of names or
// {"jqQuery": ...} returning one.
type UserInputs struct {
	Properties map[string]Input
	// Required names the inputs that must be given; RequiredJQ, when set,
	// is a jq query over the form's context returning more names.
	Required   []string
	RequiredJQ string
	// Order sorts a single-step form; its names may be sections of Titles.
	Order []string
	// Steps make a multi-step form, each step with its own order.
	Steps []FormStep
	// Titles are section headers, placed by Order or a step's order.
	Titles map[string]FormTitle
}

// FormStep is one page of a multi-step form.
type FormStep struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Order       []string `json:"order"`
}

// FormTitle is a section header; Visible is a bool or {"jqQuery": ...}.
type FormTitle struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Visible     any    `json:"visible,omitempty"`
}

// Input is one form field in Port's shape: a JSON Schema subset plus Port's
// own keywords (format user/team/entity, blueprint, dataset, encryption...).
type Input map[string]any

// Invocation is the backend a run calls.
type Invocation struct {
	Type         string            `json:"type"`
	URL          string            `json:"url,omitempty"`
	Method       string            `json:"method,omitempty"`
	Headers      map[string]string `json:"headers,omitempty"`
	Body         json.RawMessage   `json:"body,omitempty"`
	Synchronized bool              `json:"synchronized,omitempty"`
	Agent        bool              `json:"agent,omitempty"`

	// UPSERT_ENTITY writes an entity without an external backend.
	BlueprintIdentifier string         `json:"blueprintIdentifier,omitempty"`
	Mapping             *EntityMapping `json:"mapping,omitempty"`

	// KAFKA publishes the run to the configured topic. Payload, a
	// template, is the message; unset, the trigger data is.
	Payload json.RawMessage `json:"payload,omitempty"`

	// GITLAB triggers a pipeline of groupName/projectName at defaultRef
	// (unset: the project's default branch) with pipelineVariables, all
	// templates. Without pipelineVariables, the legacy omitPayload and
	// omitUserInputs say whether the payload (port_payload) and each input
	// go as variables.
	ProjectName       string         `json:"projectName,omitempty"`
	GroupName         string         `json:"groupName,omitempty"`
	DefaultRef        string         `json:"defaultRef,omitempty"`
	PipelineVariables map[string]any `json:"pipelineVariables,omitempty"`
	OmitPayload       bool           `json:"omitPayload,omitempty"`
	OmitUserInputs    bool           `json:"omitUserInputs,omitempty"`

	// TEMPORAL calls an activity a team's own worker serves on its task
	// queue (Slipway's own type; see package backend).
	TaskQueue string `json:"taskQueue,omitempty"`
	Activity  string `json:"activity,omitempty"`
	// Nexus, instead, calls an operation of a team whose workers live in
	// their own namespace, through a Nexus endpoint.
	Nexus *NexusOperation `json:"nexus,omitempty"`

	// GITHUB dispatches a GitHub Actions workflow (Port's shape).
	Org      string `json:"org,omitempty"`
	Repo     string `json:"repo,omitempty"`
	Workflow string `json:"workflow,omitempty"`
	// WorkflowInputs are the workflow_dispatch inputs; values may hold
	// {{ jq }} templates. Without them the legacy inputs are sent: the user
	// inputs one by one and port_payload (see OmitPayload, OmitUserInputs).
	WorkflowInputs map[string]any `json:"workflowInputs,omitempty"`
	// ReportWorkflowStatus (default true) ends the run with the GitHub
	// run's conclusion; false leaves it to the workflow, through the API.
	// OmitPayload and OmitUserInputs (above, shared with GITLAB) are the
	// legacy switches for the inputs sent when WorkflowInputs is not set.
	ReportWorkflowStatus *bool `json:"reportWorkflowStatus,omitempty"`
}

// ReportsWorkflowStatus says whether a GITHUB run ends with the GitHub
// run's conclusion (Port's default) rather than by the workflow's report.
func (inv Invocation) ReportsWorkflowStatus() bool {
	return inv.ReportWorkflowStatus == nil || *inv.ReportWorkflowStatus
}

// NexusOperation names a Nexus operation: the endpoint an operator
// created (its target is the team's namespace and task queue), the
// service and the operation.
type NexusOperation struct {
	Endpoint  string `json:"endpoint"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
}

// EntityMapping builds an entity from the trigger data; every value may
// hold {{ jq }} templates.
type EntityMapping struct {
	Identifier string         `json:"identifier"`
	Title      string         `json:"title,omitempty"`
	Team       string         `json:"team,omitempty"`
	Icon       string         `json:"icon,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Relations  map[string]any `json:"relations,omitempty"`
}

// Approvers lists who may approve a run: any listed user, any member of a
// listed team, anyone with a listed role, and the emails a jq policy over
// {inputs, user, entity, action} returns.
type Approvers struct {
	Users  []string `json:"users,omitempty"`
	Teams  []string `json:"teams,omitempty"`
	Roles  []string `json:"roles,omitempty"`
	Policy string   `json:"policy,omitempty"`
}

// ApproversFor returns whom the action's single-step approval names:
// permissions.approve, else approvers (nil: every admin).
func (d *Definition) ApproversFor() *Approvers {
	if d.Permissions != nil && d.Permissions.Approve != nil && !d.Permissions.Approve.empty() {
		return d.Permissions.Approve
	}
	return d.Approvers
}

// RetryPolicy of the backend call. Zero fields take defaults.
type RetryPolicy struct {
	MaximumAttempts    int      `json:"maximumAttempts,omitempty"`
	InitialInterval    Duration `json:"initialInterval,omitempty"`
	BackoffCoefficient float64  `json:"backoffCoefficient,omitempty"`
	MaximumInterval    Duration `json:"maximumInterval,omitempty"`
}

// Defaults used when a definition leaves them out.
const (
	DefaultApprovalTTL = 7 * 24 * time.Hour
	DefaultRunTimeout  = time.Hour
)

// EffectiveApprovalTTL returns the approval TTL with its default.
func (d *Definition) EffectiveApprovalTTL() time.Duration {
	if d.ApprovalTTL <= 0 {
		return DefaultApprovalTTL
	}
	return time.Duration(d.ApprovalTTL)
}

// EffectiveRunTimeout returns the run timeout with its default.
func (d *Definition) EffectiveRunTimeout() time.Duration {
	if d.RunTimeout <= 0 {
		return DefaultRunTimeout
	}
	return time.Duration(d.RunTimeout)
}

// EffectiveRetry returns the retry policy with defaults filled in.
func (d *Definition) EffectiveRetry() RetryPolicy {
	r := RetryPolicy{MaximumAttempts: 5, InitialInterval: Duration(time.Second), BackoffCoefficient: 2, MaximumInterval: Duration(time.Minute)}
	if p := d.RetryPolicy; p != nil {
		if p.MaximumAttempts > 0 {
			r.MaximumAttempts = p.MaximumAttempts
		}
		if p.InitialInterval > 0 {
			r.InitialInterval = p.InitialInterval
		}
		if p.BackoffCoefficient >= 1 {
			r.BackoffCoefficient = p.BackoffCoefficient
		}
		if p.MaximumInterval > 0 {
			r.MaximumInterval = p.MaximumInterval
		}
	}
	return r
}

// NotificationWebhook is where a run's notifications are posted: Port's
// approvalNotification {"type": "webhook", "format": "json" | "slack",
// "url": ...}. ok is false for none or for Port's "email", which Slipway
// answers with in-app notifications only.
func (d *Definition) NotificationWebhook() (url, format string, ok bool) {
	var n struct{ Type, Format, URL string }
	if len(d.ApprovalNotification) == 0 || json.Unmarshal(d.ApprovalNotification, &n) != nil || n.Type != "webhook" {
		return "", "", false
	}
	if n.Format == "" {
		n.Format = "json"
	}
	return n.URL, n.Format, true
}
