package runs

import "time"

// GitHubRun is what a run knows of the GitHub Actions run its GITHUB
// backend dispatched. It is part of State, so a run continued as new goes
// on following the same GitHub run from where it was.
type GitHubRun struct {
	// RunID is the GitHub run's id; 0 while it is still being looked for
	// (servers that answer a dispatch without the run's details).
	RunID   int64  `json:",omitempty"`
	HTMLURL string `json:",omitempty"`
	// Ref is the branch the workflow was dispatched on, and DispatchedAt
	// when: they narrow the search for the run when RunID is 0.
	Ref          string
	DispatchedAt time.Time
	// LoggedJobs are the jobs whose logs the run's log holds already.
	LoggedJobs []int64 `json:",omitempty"`
	// Concluded is set once the GitHub run completed: nothing to cancel.
	Concluded bool `json:",omitempty"`
}
