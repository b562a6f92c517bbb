package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Quorum of an approval.
const (
	QuorumAny = "ANY" // the first approval wins
	QuorumAll = "ALL" // every approver must approve
)

// Approval is Port's requiredApproval: true, false or {"type": "ANY"|"ALL"}.
type Approval struct {
	Required bool
	Quorum   string // QuorumAny or QuorumAll when Required
	// asObject remembers the shape it was written in, to give it back the same way.
	asObject bool
}

func (a Approval) MarshalJSON() ([]byte, error) {
	if a.Required && (a.asObject || a.Quorum == QuorumAll) {
		return json.Marshal(map[string]string{"type": a.Quorum})
	}
	return json.Marshal(a.Required)
}

func (a *Approval) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")), bytes.Equal(b, []byte("false")):
		*a = Approval{}
	case bytes.Equal(b, []byte("true")):
		*a = Approval{Required: true, Quorum: QuorumAny}
	default:
		var obj struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return fmt.Errorf(`must be true, false or {"type": "ANY" | "ALL"}`)
		}
		if obj.Type != QuorumAny && obj.Type != QuorumAll {
			return fmt.Errorf(`type must be "ANY" or "ALL", not %q`, obj.Type)
		}
		*a = Approval{Required: true, Quorum: obj.Type, asObject: true}
	}
	return nil
}
