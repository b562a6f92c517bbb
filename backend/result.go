package backend

// Status is how a run ended: StatusSuccess or StatusFailure.
type Status string

// The statuses a handler ends a run with.
const (
	StatusSuccess Status = "SUCCESS"
	StatusFailure Status = "FAILURE"
)

// Result ends the run: its status and the label the run page shows.
type Result struct {
	Status Status `json:"status"`
	Label  string `json:"label,omitempty"`
	// Logs, Links and Summary carry a Nexus call's progress (Run.Log, Link
	// and Summary fill them); a task-queue call sends its progress live.
	Logs    []string `json:"logs,omitempty"`
	Links   []string `json:"links,omitempty"`
	Summary string   `json:"summary,omitempty"`
}

// Success ends the run successfully, with label on the run page.
func Success(label string) Result { return Result{Status: StatusSuccess, Label: label} }

// Failure ends the run as failed, with label saying why. Unlike an error,
// a Failure is not retried: the work was done and did not succeed.
func Failure(label string) Result { return Result{Status: StatusFailure, Label: label} }

// valid turns a zero Result (a handler that returned Result{}) into a
// success, and an unknown status into a failure that says so.
func (r Result) valid() Result {
	switch r.Status {
	case StatusSuccess, StatusFailure:
		return r
	case "":
		r.Status = StatusSuccess
		return r
	default:
		return Failure("the worker answered an unknown status " + string(r.Status))
	}
}
