package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// Quorum of an approval.
const (
	QuorumAny = "ANY" // the first approval wins
	QuorumAll = "ALL" // every approver must approve
)

// Approval is Port's requiredApproval: true, false or {"type": "ANY"|"ALL"},
// plus Slipway's "when": a jq condition over the trigger data deciding per
// run whether approval is needed (".inputs.ttl_days > 5").
type Approval struct {
	Required bool
	Quorum   string // QuorumAny or QuorumAll when Required
	When     string // jq; empty means every run needs approval
	// asObject remembers the shape it was written in, to give it back the same way.
	asObject bool
}

func (a Approval) MarshalJSON() ([]byte, error) {
	if a.Required && (a.asObject || a.Quorum == QuorumAll || a.When != "") {
		obj := map[string]string{"type": a.Quorum}
		if a.When != "" {
			obj["when"] = a.When
		}
		return json.Marshal(obj)
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
			When string `json:"when"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return fmt.Errorf(`must be true, false or {"type": "ANY" | "ALL", "when": "<jq>"}`)
		}
		if obj.Type != QuorumAny && obj.Type != QuorumAll {
			return fmt.Errorf(`type must be "ANY" or "ALL", not %q`, obj.Type)
		}
		if obj.When != "" {
			if err := jqtemplate.CheckExpr(obj.When); err != nil {
				return fmt.Errorf("when: %v", err)
			}
		}
		*a = Approval{Required: true, Quorum: obj.Type, When: obj.When, asObject: true}
	}
	return nil
}

// NeedsApproval decides whether a run started with data (Port's trigger
// data: inputs, entity, trigger, action) waits for approval. A condition
// that fails or returns a non-boolean is an error: guessing either way
// would be wrong, so the run is refused with the reason.
func (a Approval) NeedsApproval(ctx context.Context, data any) (bool, error) {
	if !a.Required || a.When == "" {
		return a.Required, nil
	}
	return evalBool(ctx, a.When, data)
}

// evalBool evaluates a jq condition that must answer true or false
// (nothing at all counts as false).
func evalBool(ctx context.Context, expr string, data any) (bool, error) {
	v, err := jqtemplate.Eval(ctx, expr, data)
	if err != nil {
		return false, err
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	default:
		return false, fmt.Errorf("jq %q returned %v, not true or false", expr, v)
	}
}
