// Package catalog is the software catalog: blueprints (entity types with a
// schema and relations) and the entities that action runs create, change
// and delete. Shapes follow Port's JSON.
package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
)

// Blueprint is an entity type.
type Blueprint struct {
	Identifier  string              `json:"identifier"`
	Title       string              `json:"title,omitempty"`
	Icon        string              `json:"icon,omitempty"`
	Description string              `json:"description,omitempty"`
	Schema      actions.UserInputs  `json:"schema"`
	Relations   map[string]Relation `json:"relations,omitempty"`
	// ExpiryAction runs when an entity's timer property passes.
	ExpiryAction string `json:"expiryAction,omitempty"`
	// Permissions says who may write the blueprint's entities.
	Permissions *Permissions `json:"permissions,omitempty"`
}

// Relation links entities of a blueprint to entities of Target.
type Relation struct {
	Title    string `json:"title,omitempty"`
	Target   string `json:"target"`
	Many     bool   `json:"many,omitempty"`
	Required bool   `json:"required,omitempty"`
}

// Entity is an instance of a blueprint.
type Entity struct {
	Blueprint  string         `json:"blueprint"`
	Identifier string         `json:"identifier"`
	Title      string         `json:"title,omitempty"`
	Icon       string         `json:"icon,omitempty"`
	Team       string         `json:"team,omitempty"`
	Properties map[string]any `json:"properties"`
	// Relations maps a relation name to a target identifier, or a list for "many".
	Relations map[string]any `json:"relations"`
	CreatedBy string         `json:"createdBy,omitempty"`
	UpdatedBy string         `json:"updatedBy,omitempty"`
	CreatedAt time.Time      `json:"createdAt"`
	UpdatedAt time.Time      `json:"updatedAt"`
}

// Map is the entity in Port's JSON shape as plain values: what backends
// receive as "entity" and what action conditions are evaluated on.
func (e Entity) Map() map[string]any {
	b, _ := json.Marshal(e) // only JSON values inside: cannot fail
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

var identifierPattern = regexp.MustCompile(`^[\p{L}0-9@_.+:=-]+$`)

// ParseBlueprint reads and validates a blueprint, naming every bad field.
func ParseBlueprint(raw []byte) (Blueprint, error) {
	// Permissions are read on their own, so that their errors name a path.
	var shape struct {
		Blueprint
		Permissions json.RawMessage `json:"permissions"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return Blueprint{}, slipway.FieldError("blueprint", "must be a JSON object with identifier, title, schema and relations")
	}
	b := shape.Blueprint
	var v []slipway.Violation
	add := func(field, format string, args ...any) {
		v = append(v, slipway.Violation{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !validIdentifier(b.Identifier) {
		add("blueprint.identifier", "is required and may hold only letters, digits and @_.+:=-")
	}
	if b.Schema.Properties == nil {
		b.Schema.Properties = map[string]actions.Input{}
	}
	v = append(v, actions.ValidateSchema("blueprint.schema", b.Schema)...)
	names := make([]string, 0, len(b.Relations))
	for name := range b.Relations {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !validIdentifier(name) {
			add("blueprint.relations."+name, "relation names may hold only letters, digits and @_.+:=-")
		}
		if b.Relations[name].Target == "" {
			add("blueprint.relations."+name+".target", "is required")
		}
	}
	perms, pv := parsePermissions(shape.Permissions, b)
	b.Permissions = perms
	v = append(v, pv...)
	return b, slipway.Invalid("blueprint", v)
}

func validIdentifier(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 200 && identifierPattern.MatchString(s)
}

// relationTargets lists the target identifiers of one relation value.
func relationTargets(v any, many bool) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if many {
			return nil, fmt.Errorf("must be a list of identifiers")
		}
		return []string{x}, nil
	case []any:
		if !many {
			return nil, fmt.Errorf("must be one identifier: the relation is not \"many\"")
		}
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("must hold identifiers")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be an identifier or a list of identifiers")
}

func renamePrefix(err error, from, to string) error {
	var e *slipway.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Field = strings.Replace(out.Field, from, to, 1)
	out.Violations = make([]slipway.Violation, len(e.Violations))
	for i, v := range e.Violations {
		v.Field = strings.Replace(v.Field, from, to, 1)
		out.Violations[i] = v
	}
	return &out
}
