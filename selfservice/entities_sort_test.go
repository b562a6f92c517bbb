package selfservice

import (
	"testing"

	"github.com/slipwayhq/slipway/catalog"
)

// An entity input's "sort" orders its picker: numbers as numbers, text as
// text, entities without the property last, either way round.
func TestSortEntitiesByProperty(t *testing.T) {
	list := func() []catalog.Entity {
		return []catalog.Entity{
			{Identifier: "a", Title: "Zulu", Properties: map[string]any{"replicas": 10.0}},
			{Identifier: "b", Title: "Alpha", Properties: map[string]any{"replicas": 9.0}},
			{Identifier: "c", Title: "Mike", Properties: map[string]any{}},
		}
	}
	ids := func(es []catalog.Entity) string {
		out := ""
		for _, e := range es {
			out += e.Identifier
		}
		return out
	}
	for _, c := range []struct {
		property   string
		descending bool
		want       string
	}{
		{"$title", false, "bca"},
		{"$title", true, "acb"},
		{"replicas", false, "bac"},
		{"replicas", true, "abc"},
	} {
		es := list()
		sortEntities(es, c.property, c.descending)
		if got := ids(es); got != c.want {
			t.Errorf("sort by %s (descending %v): %s, want %s", c.property, c.descending, got, c.want)
		}
	}
}
