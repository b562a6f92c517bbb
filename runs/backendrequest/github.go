package backendrequest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// GitHubInputs are the workflow_dispatch inputs. With workflowInputs, they
// are its templates rendered over the trigger data; without, Port's legacy
// inputs: each user input (unless omitUserInputs) and port_payload, the
// trigger data as JSON (unless omitPayload). GitHub takes strings only, so
// objects and numbers go as JSON text (workflows read them with fromJSON).
func GitHubInputs(ctx context.Context, workflowInputs map[string]any, omitPayload, omitUserInputs bool, scope any, payload []byte) (map[string]any, error) {
	values := map[string]any{}
	if len(workflowInputs) > 0 {
		rendered, err := jqtemplate.Render(ctx, workflowInputs, scope)
		if err != nil {
			return nil, fmt.Errorf("workflowInputs.%w", err)
		}
		values, _ = rendered.(map[string]any)
	} else {
		if data, ok := scope.(map[string]any); ok && !omitUserInputs {
			if userInputs, ok := data["inputs"].(map[string]any); ok {
				for k, v := range userInputs {
					values[k] = v
				}
			}
		}
		if !omitPayload {
			values["port_payload"] = string(payload)
		}
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		switch x := v.(type) {
		case nil:
			// Unset: the workflow's default applies.
		case string:
			out[k] = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("workflowInputs.%s: %v", k, err)
			}
			out[k] = string(b)
		}
	}
	return out, nil
}
