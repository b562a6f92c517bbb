package catalog

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway"
)

// Permissions is Port's blueprint permissions shape: who may register,
// update and unregister the blueprint's entities. Only admins write them
// (they are part of the blueprint). Admins may always write every entity.
type Permissions struct {
	Entities *EntityPermissions `json:"entities,omitempty"`
}

// EntityPermissions grants each write on the blueprint's entities. A write
// left out gets the default: members of the entity's team (ownedByTeam).
type EntityPermissions struct {
	Register   *Grant `json:"register,omitempty"`
	Update     *Grant `json:"update,omitempty"`
	Unregister *Grant `json:"unregister,omitempty"`
	// Read is accepted so that Port's permissions paste unchanged; every
	// signed-in user reads the catalog, so it must let members read.
	Read *Grant `json:"read,omitempty"`
	// UpdateProperties and UpdateRelations let someone without Update
	// change just these properties (or meta-properties $title, $icon,
	// $team) and relations.
	UpdateProperties map[string]Grant `json:"updateProperties,omitempty"`
	UpdateRelations  map[string]Grant `json:"updateRelations,omitempty"`
}

// Grant names who is granted a write: anyone listed by email, role or
// team, and with OwnedByTeam the members of the entity's team.
type Grant struct {
	Roles       []string `json:"roles"`
	Users       []string `json:"users"`
	Teams       []string `json:"teams"`
	OwnedByTeam bool     `json:"ownedByTeam"`
}

// ownedByTeam is the grant of a write a blueprint does not list.
var ownedByTeam = &Grant{OwnedByTeam: true}

// allows reports whether g lets u write an entity owned by entityTeam
// ("" for none).
func (g *Grant) allows(u slipway.User, entityTeam string) bool {
	if slices.ContainsFunc(g.Users, func(e string) bool { return strings.EqualFold(e, u.Email) }) ||
		slices.ContainsFunc(g.Roles, func(r string) bool { return strings.EqualFold(r, string(u.Role)) }) {
		return true
	}
	for _, t := range u.Teams {
		if slices.Contains(g.Teams, t.Identifier) || (g.OwnedByTeam && entityTeam != "" && t.Identifier == entityTeam) {
			return true
		}
	}
	return false
}

// entities returns the blueprint's entity permissions, nil when it has none.
func (b Blueprint) entities() *EntityPermissions {
	if b.Permissions == nil {
		return nil
	}
	return b.Permissions.Entities
}

// grant returns the grant of one write, or the default.
func (p *EntityPermissions) grant(pick func(*EntityPermissions) *Grant) *Grant {
	if p == nil {
		return ownedByTeam
	}
	if g := pick(p); g != nil {
		return g
	}
	return ownedByTeam
}

// RunScope is what a run may write: entities of its action's Blueprint
// and, for DAY-2 and DELETE runs, only its own Entity.
type RunScope struct {
	Blueprint string
	// Entity is the run's entity; "" lets a CREATE run write any entity of Blueprint.
	Entity string
}

// authorize decides one write: old is the entity as stored (nil when it
// is new), next what is written (nil for a delete).
type authorize func(b Blueprint, old, next *Entity) error

// byPermissions authorizes actor's own writes by the blueprint's permissions.
func byPermissions(actor slipway.User) authorize {
	return func(b Blueprint, old, next *Entity) error {
		if actor.IsAdmin() {
			return nil
		}
		p := b.entities()
		switch {
		case old == nil:
			if !p.grant(func(p *EntityPermissions) *Grant { return p.Register }).allows(actor, next.Team) {
				return refusal("register %s entity %q%s", b.Identifier, next.Identifier, forTeam(next.Team))
			}
			return nil
		case next == nil:
			if !p.grant(func(p *EntityPermissions) *Grant { return p.Unregister }).allows(actor, old.Team) {
				return refusal("unregister %s entity %q", b.Identifier, old.Identifier)
			}
			return nil
		}
		return checkUpdate(actor, b, *old, *next)
	}
}

// checkUpdate lets actor change old into next with the update grant on
// both the old and the new team. Without update, every field that changes
// needs its own grant (updateProperties, updateRelations, $team for a
// move) on both teams, and something must change.
func checkUpdate(actor slipway.User, b Blueprint, old, next Entity) error {
	p := b.entities()
	moved := next.Team != old.Team
	mayOn := func(g *Grant) bool {
		return g.allows(actor, old.Team) && (!moved || g.allows(actor, next.Team))
	}
	fieldGrant := func(f changedField) (Grant, bool) {
		if p == nil {
			return Grant{}, false
		}
		if f.relation {
			g, ok := p.UpdateRelations[f.name]
			return g, ok
		}
		g, ok := p.UpdateProperties[f.name]
		return g, ok
	}
	move := func() error {
		return refusal("move %s entity %q to team %q", b.Identifier, old.Identifier, next.Team)
	}
	update := p.grant(func(p *EntityPermissions) *Grant { return p.Update })
	if update.allows(actor, old.Team) {
		if !moved || update.allows(actor, next.Team) {
			return nil
		}
		if g, ok := fieldGrant(changedField{name: "$team"}); ok && mayOn(&g) {
			return nil
		}
		return move() // the right on the new team is missing
	}
	changed := changedFields(old, next)
	if len(changed) == 0 {
		return refusal("update %s entity %q", b.Identifier, old.Identifier)
	}
	for _, f := range changed {
		if g, ok := fieldGrant(f); ok && mayOn(&g) {
			continue
		}
		switch {
		case f.name == "$team" && !f.relation:
			return move()
		case p == nil || (len(p.UpdateProperties) == 0 && len(p.UpdateRelations) == 0):
			return refusal("update %s entity %q", b.Identifier, old.Identifier)
		case f.relation:
			return refusal("change relation %q of %s entity %q", f.name, b.Identifier, old.Identifier)
		}
		return refusal("change property %q of %s entity %q", f.name, b.Identifier, old.Identifier)
	}
	return nil
}

// byRun authorizes a write made on behalf of a run by the run's scope
// alone: the run's requester was allowed to start the action, and the
// action (written by an admin) decides what its backend changes, so the
// requester's own catalog rights are not checked again.
func byRun(run RunScope) authorize {
	return func(b Blueprint, old, next *Entity) error {
		e := next
		if e == nil {
			e = old
		}
		switch {
		case run.Blueprint == "":
			return refusal("write %s entity %q on behalf of this run: its action has no blueprint", b.Identifier, e.Identifier)
		case b.Identifier != run.Blueprint:
			return refusal("write %s entity %q on behalf of this run: its action writes %s entities", b.Identifier, e.Identifier, run.Blueprint)
		case run.Entity == "" && next == nil:
			// A run with no entity of its own (CREATE) creates and updates; it
			// has no business removing entities someone else made.
			return refusal("delete %s entity %q on behalf of this run: only DAY-2 and DELETE runs delete, and only their own entity", b.Identifier, e.Identifier)
		case run.Entity != "" && e.Identifier != run.Entity:
			return refusal("write %s entity %q on behalf of this run: it may write only its own entity %q", b.Identifier, e.Identifier, run.Entity)
		}
		return nil
	}
}

func refusal(format string, args ...any) error {
	return slipway.Errorf(slipway.CodePermission, "you may not "+format, args...)
}

func forTeam(team string) string {
	if team == "" {
		return " without a team"
	}
	return " for team \"" + team + "\""
}

// changedField is a property (or meta-property such as $title) or a
// relation that an update changes.
type changedField struct {
	name     string
	relation bool
}

// changedFields lists what next changes of old, properties first, each
// group by name.
func changedFields(old, next Entity) []changedField {
	var out []changedField
	for _, name := range unionKeys(old.Properties, next.Properties) {
		if !sameJSON(old.Properties[name], next.Properties[name]) {
			out = append(out, changedField{name: name})
		}
	}
	for _, meta := range []struct{ name, before, after string }{
		{"$icon", old.Icon, next.Icon}, {"$team", old.Team, next.Team}, {"$title", old.Title, next.Title},
	} {
		if meta.before != meta.after {
			out = append(out, changedField{name: meta.name})
		}
	}
	for _, name := range unionKeys(old.Relations, next.Relations) {
		if !sameJSON(emptyAsNil(old.Relations[name]), emptyAsNil(next.Relations[name])) {
			out = append(out, changedField{name: name, relation: true})
		}
	}
	return out
}

func unionKeys(a, b map[string]any) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// sameJSON compares two JSON values by their encoding (object keys sorted).
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// emptyAsNil treats an empty list of relation targets as no relation.
func emptyAsNil(v any) any {
	if l, ok := v.([]any); ok && len(l) == 0 {
		return nil
	}
	return v
}
