// Package workflows holds Slipway's Temporal workflows. What they say about
// a run (its input, state, requests and names) is package runs'.
package workflows

import (
	"go.temporal.io/api/enums/v1"

	"github.com/slipwayhq/slipway/runs"
)

// TaskQueue is where Slipway's own workers poll for workflows and
// activities: the run workflow's queue serves the others too.
const TaskQueue = runs.TaskQueue

// SearchAttributes maps every custom search attribute Slipway needs to its
// type; servers must have them registered before runs start.
func SearchAttributes() map[string]enums.IndexedValueType {
	m := map[string]enums.IndexedValueType{}
	for _, k := range runs.SearchKeys() {
		m[k.GetName()] = enums.INDEXED_VALUE_TYPE_KEYWORD
	}
	return m
}
