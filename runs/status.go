// Package runs is what every layer says about an action run: its status,
// input, state, decisions and log lines, the payload its backend receives,
// the names its workflow answers to and the requests it takes. The
// workflow (workflows), its side effects (activities), the application
// layer (selfservice) and the edges (frontend) all speak these types, so
// none keeps a mirror of another's. It holds no I/O: the run's row is
// selfservice's, its workflow is workflows'.
//
// Every type here that travels in a workflow's input, state, update or
// query keeps its JSON field names: running workflows, continue-as-new and
// recorded histories depend on them.
package runs

import (
	"slices"
	"strings"
)

// Status is where a run is in its life: Port's statuses, plus CANCELLED
// and EXPIRED.
type Status string

// Run statuses, in lifecycle order.
const (
	StatusWaitingForApproval Status = "WAITING_FOR_APPROVAL"
	StatusInProgress         Status = "IN_PROGRESS"
	StatusSuccess            Status = "SUCCESS"
	StatusFailure            Status = "FAILURE"
	StatusDeclined           Status = "DECLINED"
	StatusCancelled          Status = "CANCELLED"
	StatusExpired            Status = "EXPIRED"
)

// Statuses are every run status, in lifecycle order.
var Statuses = []Status{
	StatusWaitingForApproval, StatusInProgress, StatusSuccess,
	StatusFailure, StatusDeclined, StatusCancelled, StatusExpired,
}

// Ended reports whether s is final.
func (s Status) Ended() bool {
	switch s {
	case StatusSuccess, StatusFailure, StatusDeclined, StatusCancelled, StatusExpired:
		return true
	}
	return false
}

// StatusNames lists Statuses for messages: "WAITING_FOR_APPROVAL, IN_PROGRESS, ...".
func StatusNames() string {
	names := make([]string, len(Statuses))
	for i, s := range Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Known reports whether s is one of Statuses.
func (s Status) Known() bool { return slices.Contains(Statuses, s) }

// Origins of a run: who started it.
const (
	OriginUI         = "UI"
	OriginAPI        = "API"
	OriginAutomation = "AUTOMATION"
)
