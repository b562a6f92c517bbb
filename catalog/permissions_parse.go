package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/slipwayhq/slipway"
)

const permissionsPath = "blueprint.permissions"

// metaProperties are the entity fields besides properties that
// updateProperties may grant, as Port names them ($identifier never
// changes on a write, so its grant is accepted and has nothing to allow).
var metaProperties = map[string]bool{"$identifier": true, "$title": true, "$icon": true, "$team": true}

// parsePermissions reads a blueprint's permissions, walking the JSON
// itself so that every bad key or value is named by its path (a typed
// decode would only say that something somewhere is wrong).
func parsePermissions(raw json.RawMessage, b Blueprint) (*Permissions, []slipway.Violation) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v []slipway.Violation
	add := func(field, format string, args ...any) {
		v = append(v, slipway.Violation{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil || top == nil {
		add(permissionsPath, `must be an object such as {"entities": {"register": {...}, "update": {...}, "unregister": {...}}}`)
		return nil, v
	}
	for _, key := range sortedKeys(top) {
		if key != "entities" {
			add(permissionsPath+"."+key, "is not a catalog permission: only entities is (action permissions belong to each action)")
		}
	}
	entitiesPath := permissionsPath + ".entities"
	var entities map[string]json.RawMessage
	if rawEntities, ok := top["entities"]; ok && string(rawEntities) != "null" {
		if json.Unmarshal(rawEntities, &entities) != nil || entities == nil {
			add(entitiesPath, "must be an object of register, update, unregister, updateProperties and updateRelations")
		}
	}
	for _, key := range sortedKeys(entities) {
		path := entitiesPath + "." + key
		val := entities[key]
		switch key {
		case "register", "update", "unregister":
			v = append(v, validateGrant(path, val)...)
		case "read":
			v = append(v, validateGrant(path, val)...)
			var g Grant
			if json.Unmarshal(val, &g) == nil && string(val) != "null" && !g.allows(slipway.User{Role: slipway.RoleMember}, "") {
				add(path, "every signed-in user reads the catalog: read must grant the member role (or be left out)")
			}
		case "updateProperties", "updateRelations":
			var grants map[string]json.RawMessage
			if json.Unmarshal(val, &grants) != nil {
				add(path, "must be an object of grants by name")
				continue
			}
			for _, name := range sortedKeys(grants) {
				switch {
				case key == "updateProperties" && !metaProperties[name] && !hasProperty(b, name):
					add(path+"."+name, "blueprint %s has no property %q", b.Identifier, name)
				case key == "updateRelations" && !hasRelation(b, name):
					add(path+"."+name, "blueprint %s has no relation %q", b.Identifier, name)
				default:
					v = append(v, validateGrant(path+"."+name, grants[name])...)
				}
			}
		default:
			add(path, "is not an entity permission: use register, update, unregister, read, updateProperties or updateRelations")
		}
	}
	if len(v) > 0 {
		return nil, v
	}
	var p Permissions
	if err := json.Unmarshal(raw, &p); err != nil {
		add(permissionsPath, "could not be read: %v", err)
		return nil, v
	}
	return &p, nil
}

// validateGrant checks one {roles, users, teams, ownedByTeam} object.
func validateGrant(path string, raw json.RawMessage) []slipway.Violation {
	var v []slipway.Violation
	add := func(field, format string, args ...any) {
		v = append(v, slipway.Violation{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if string(raw) == "null" {
		return nil
	}
	var g map[string]json.RawMessage
	if json.Unmarshal(raw, &g) != nil || g == nil {
		add(path, "must be an object of roles, users, teams and ownedByTeam")
		return v
	}
	for _, key := range sortedKeys(g) {
		field := path + "." + key
		switch key {
		case "roles", "users", "teams":
			var list []string
			if json.Unmarshal(g[key], &list) != nil {
				add(field, "must be a list of strings")
				continue
			}
			for i, item := range list {
				at := fmt.Sprintf("%s[%d]", field, i)
				switch {
				case key == "roles" && !strings.EqualFold(item, string(slipway.RoleAdmin)) && !strings.EqualFold(item, string(slipway.RoleMember)):
					add(at, "must be admin or member (Slipway has no moderator or custom roles: grant users or teams instead)")
				case key == "users" && !strings.Contains(item, "@"):
					add(at, "must be a user's email")
				case key == "teams" && strings.TrimSpace(item) == "":
					add(at, "must be a team identifier")
				}
			}
		case "ownedByTeam":
			var b bool
			if json.Unmarshal(g[key], &b) != nil {
				add(field, "must be true or false")
			}
		case "policy":
			add(field, "dynamic policies are not supported on catalog permissions: grant roles, users, teams or ownedByTeam")
		default:
			add(field, "is not part of a grant: use roles, users, teams and ownedByTeam")
		}
	}
	return v
}

func hasProperty(b Blueprint, name string) bool {
	_, ok := b.Schema.Properties[name]
	return ok
}

func hasRelation(b Blueprint, name string) bool {
	_, ok := b.Relations[name]
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
