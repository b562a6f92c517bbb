// Package workflows holds Slipway's Temporal workflows and the names they
// share with the worker and the API: task queue and search attributes.
package workflows

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is where Slipway's own workers poll for run workflows and activities.
const TaskQueue = "slipway"

// Search attributes set on every run, so operators filter runs in the
// Temporal Web UI and with `temporal workflow list --query`.
var (
	SearchAction    = temporal.NewSearchAttributeKeyKeyword("SlipwayAction")
	SearchStatus    = temporal.NewSearchAttributeKeyKeyword("SlipwayStatus")
	SearchRequester = temporal.NewSearchAttributeKeyKeyword("SlipwayRequester")
	SearchBlueprint = temporal.NewSearchAttributeKeyKeyword("SlipwayBlueprint")
	SearchEntity    = temporal.NewSearchAttributeKeyKeyword("SlipwayEntity")
)

// SearchAttributes maps every custom search attribute Slipway needs to its
// type; servers must have them registered before runs start.
func SearchAttributes() map[string]enums.IndexedValueType {
	m := map[string]enums.IndexedValueType{}
	for _, k := range []temporal.SearchAttributeKeyKeyword{SearchAction, SearchStatus, SearchRequester, SearchBlueprint, SearchEntity} {
		m[k.GetName()] = enums.INDEXED_VALUE_TYPE_KEYWORD
	}
	return m
}
