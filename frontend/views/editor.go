package views

import "time"

// ActionRow is one action on the admins' actions page.
type ActionRow struct {
	Identifier, Title, Operation, Blueprint string
	Published                               bool
}

// EditorProblem is one error of a draft, by its field path.
type EditorProblem struct {
	Field, Message string
}

// EditorVersion is one saved version in the editor's history list.
type EditorVersion struct {
	Version         int32
	SavedBy         string
	SavedAt         time.Time
	Current         bool
	DiffURL, Action string
}

// ActionEditor is the editor page: the draft, its problems, the live form
// and, for a saved action, its history.
type ActionEditor struct {
	// Original is the action being edited; "" creates a new one.
	Original   string
	Definition string
	// AsUser and Entity are whom and what the live form is shown for.
	AsUser, Entity string
	Users          []string
	Check          EditorCheck
	Versions       []EditorVersion
	Notice         string
}

// EditorCheck is what a check of the draft answers: its problems and the
// form as users would see it (nil when the draft cannot be read as one).
type EditorCheck struct {
	Problems []EditorProblem
	Preview  *ExecuteForm
	CSRF     string
	// Notice says when the chosen user would not be offered the action.
	Notice string
}

// DiffLine is one line of a diff: Op is ' ', '-' or '+'.
type DiffLine struct {
	Op   byte
	Text string
}

// VersionDiff compares a saved version with the current definition.
type VersionDiff struct {
	Action  string
	Version EditorVersion
	Lines   []DiffLine
	Same    bool
}
