package actions

import (
	"context"
	"fmt"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// MappedEntity is the entity an UPSERT_ENTITY mapping makes of a run's
// trigger data.
type MappedEntity struct {
	Identifier, Title, Team, Icon string
	Properties, Relations         map[string]any
}

// Render evaluates the mapping's templates over data: the one evaluation
// the run's write (activities.UpsertMappedEntity) and its dry run share.
func (m EntityMapping) Render(ctx context.Context, data any) (MappedEntity, error) {
	fields := map[string]any{"identifier": m.Identifier, "title": m.Title, "team": m.Team, "icon": m.Icon,
		"properties": orEmpty(m.Properties), "relations": orEmpty(m.Relations)}
	rendered, err := jqtemplate.Render(ctx, fields, data)
	if err != nil {
		return MappedEntity{}, err
	}
	r := rendered.(map[string]any)
	e := MappedEntity{Identifier: text(r["identifier"]), Title: text(r["title"]), Team: text(r["team"]), Icon: text(r["icon"])}
	e.Properties, _ = r["properties"].(map[string]any)
	e.Relations, _ = r["relations"].(map[string]any)
	return e, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}
