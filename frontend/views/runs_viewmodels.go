package views

import "time"

// ActionCard is one action on the self-service page.
type ActionCard struct {
	Identifier, Title, Description, Operation, Blueprint string
	// Icon is Port's icon name (static.Icon draws it).
	Icon          string
	NeedsApproval bool
}

// FormField is one input of an execute form, shaped for rendering.
type FormField struct {
	Name, Label, Description string
	// Widget is text, textarea, number, checkbox, select, entity, password, email, url or datetime.
	Widget string
	// ChoicesURL serves an entity widget's suggestions as <option>s.
	ChoicesURL string
	Value      string
	// Values are a multiple choice's chosen values (multi-entity pickers).
	Values   []string
	Checked  bool
	Options  []string
	Required bool
	Error    string
	// Hidden, Disabled and ReadOnly are the form's rules for the field.
	Hidden, Disabled, ReadOnly bool
	// EvalURL re-evaluates the form when this field changes (empty: never).
	EvalURL string
}

// FormSection is a section header of a form (Port's titles).
type FormSection struct {
	ID, Title, Description string
	Hidden                 bool
}

// FormItem is a field or a section header, in form order.
type FormItem struct {
	Field   *FormField
	Section *FormSection
}

// FormStep is one page of a form; a form without steps has one, untitled.
type FormStep struct {
	Title, Description string
	Items              []FormItem
}

// ExecuteForm is an action's form with the values and errors of a submit.
type ExecuteForm struct {
	Action ActionCard
	Steps  []FormStep
	// Step is the step shown (0-based); the others stay in the page, hidden.
	Step int
	// EvalURL re-evaluates the form (a field changed, or Next/Back).
	EvalURL string
	// EntityField picks the entity DAY-2 and DELETE runs work on; nil for CREATE.
	EntityField *FormField
	FormError   string
	// RerunOf is the run this form re-runs: the form started from its
	// inputs, and its secret inputs left empty keep that run's values
	// when the re-run is its requester's.
	RerunOf string
	// Unpublished: only admins see the form (publish: false); runs are
	// refused, a preview works.
	Unpublished bool
}

// EntityChoice is one suggestion of an entity picker.
type EntityChoice struct {
	Identifier, Title, Team string
	// Selected marks a multi-entity picker's chosen entities.
	Selected bool
}

// RunView is a run page.
type RunView struct {
	ID, Action, Status, StatusLabel, Summary, Requester, Entity, Origin, WorkflowID string
	// ActionIcon is the action's Port icon name.
	ActionIcon           string
	Links                []string
	Inputs               []KV
	Decisions            []DecisionView
	Logs                 LogPage
	Created              time.Time
	Ended                bool
	CanDecide, CanCancel bool
	// WaitingOn are who may decide now (the current approval stage's approvers).
	WaitingOn   []string
	TemporalURL string
	// CSRF is echoed by the decide and cancel forms.
	CSRF string
	// ActionID is the action's identifier (Action is its title).
	ActionID string
	// Blueprint is the blueprint of Entity, the entity a DAY-2 or DELETE run ran on.
	Blueprint string
	// Affected are the entities the run wrote.
	Affected []AffectedView
	// CanRerun: the user may run the action, so the form can start from this run.
	CanRerun bool
	Timeline []TimelineEntry
}

// AffectedView is an entity a run created, changed or deleted.
type AffectedView struct{ Blueprint, Identifier, Operation string }

// TimelineEntry is one moment of a run: what happened, when, and how long
// after the entry before it (Since, empty for the first).
type TimelineEntry struct {
	At    time.Time
	What  string
	Since string
	// Now marks the state the run is in (waiting): At is when it began.
	Now bool
}

// KV is a labelled value.
type KV struct{ Key, Value string }

// DecisionView is one approver's decision.
type DecisionView struct {
	Approver, Reason string
	Approved         bool
	At               time.Time
}

// LogView is one log line.
type LogView struct {
	Seq     int64
	Message string
	At      time.Time
}

// LogPage is the part of a run's log a page shows or a fragment adds.
type LogPage struct {
	Lines []LogView
	// Earlier says lines exist before BeforeSeq, the first line shown: a
	// control loads them.
	Earlier   bool
	BeforeSeq int64
	// Follow keeps taking lines after AfterSeq, the last line shown, while
	// the run goes on or lines wait (the run page from its event stream);
	// Behind says some wait already.
	Follow, Behind bool
	AfterSeq       int64
}

// RunRow is a run in a list.
type RunRow struct {
	ID, Action, Status, StatusLabel, Requester string
	Created                                    time.Time
}

// RunFilter is the runs list's filter form.
type RunFilter struct {
	Action, Status, Requester string
	Active                    bool
	Statuses                  []string
}
