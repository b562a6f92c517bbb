package runs

// The run workflow's update requests. Their field names are their JSON
// names in workflow histories: never rename one.

// DecideRequest approves or declines a waiting run.
type DecideRequest struct {
	Approver string
	Approve  bool
	Reason   string
}

// ReportRequest is a backend's status update (Port's PATCH runs/{id}).
// Nil fields are left as they are.
type ReportRequest struct {
	Status        Status
	StatusLabel   *string
	Links         *[]string
	Summary       *string
	ExternalRunID *string
}

// LogRequest adds a log line, optionally ending the run.
type LogRequest struct {
	Message           string
	TerminationStatus Status
	StatusLabel       string
	// IdempotencyKey, when set, makes the line single: sent again with the
	// same key, it answers the first line's seq and stores nothing.
	IdempotencyKey string `json:",omitempty"`
}

// CancelRequest cancels a run that has not ended.
type CancelRequest struct {
	By     string
	Reason string
}
