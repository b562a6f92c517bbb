// Package text is the one rule every string entering Slipway passes, at
// every edge (Connect API, Port-style REST, portal forms, backends' answers)
// and again in the run workflow's update validators: valid UTF-8, no NUL
// bytes (PostgreSQL refuses both, and a refused value must never reach an
// activity that would retry it for ever), and a length limit per kind of
// field. The limits are documented in README.md ("Limits").
package text

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slipwayhq/slipway"
)

// Kind is a kind of field; each has its own length limit.
type Kind int

const (
	// Other is any string no other kind describes (action definitions'
	// templates, jq expressions...).
	Other Kind = iota
	// Identifier names a resource: identifiers, ids, statuses, emails, map keys.
	Identifier
	// Title is a title or a name: shown on one line.
	Title
	// Description is prose: descriptions, reasons, summaries, status labels.
	Description
	// LogMessage is one line of a run's log.
	LogMessage
	// Link is a URL.
	Link
	// Value is one value of a run's inputs or an entity's properties.
	Value
)

// Limits are the most characters (not bytes) a field of each kind may hold.
var limits = [...]int{
	Other:       64 << 10,
	Identifier:  256,
	Title:       200,
	Description: 4000,
	LogMessage:  16 << 10,
	Link:        2048,
	Value:       64 << 10,
}

// Limit is the most characters a field of kind k may hold.
func (k Kind) Limit() int { return limits[k] }

var kindNames = [...]string{
	Other: "other", Identifier: "identifier", Title: "title", Description: "description",
	LogMessage: "log message", Link: "link", Value: "value",
}

func (k Kind) String() string { return kindNames[k] }

// byName chooses a kind from a field's own name, lower-cased without
// underscores, so that "status_label" (proto) and "statusLabel" (JSON) agree.
var byName = map[string]Kind{
	"id": Identifier, "identifier": Identifier, "blueprint": Identifier, "blueprintidentifier": Identifier,
	"action": Identifier, "entity": Identifier, "runid": Identifier, "team": Identifier,
	"externalrunid": Identifier, "status": Identifier, "terminationstatus": Identifier,
	"resourcetype": Identifier, "resourceid": Identifier, "actor": Identifier, "requester": Identifier,
	"rangekey": Identifier, "operation": Identifier, "type": Identifier, "email": Identifier,
	"role": Identifier, "pagetoken": Identifier, "decision": Identifier, "idempotencykey": Identifier,

	"title": Title, "name": Title, "search": Title, "icon": Title,

	"description": Description, "reason": Description, "summary": Description,
	"statuslabel": Description, "explanation": Description,

	"message": LogMessage,

	"link": Link, "url": Link, "href": Link, "next": Link,
}

// valueContainers hold user-named values (run inputs, entity properties,
// input schemas): everything under them is a Value, whatever its key.
var valueContainers = map[string]bool{"properties": true, "inputs": true}

// KindOf is the kind of a field named name (its last path segment).
func KindOf(name string) Kind {
	return byName[normalize(name)]
}

func normalize(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "_", ""))
}

// holdsValues reports whether the field named name is a map of user-named values.
func holdsValues(name string) bool { return valueContainers[normalize(name)] }

// Check applies the rule to s, the value of field (a path such as
// "action.title" or "properties.name"): valid UTF-8, no NUL bytes, at most
// kind's limit of characters. It returns a *slipway.Error naming the field.
func Check(field string, kind Kind, s string) error {
	if err := checkBytes(s); err != "" {
		return slipway.FieldError(field, "%s", err)
	}
	if limit := kind.Limit(); len(s) > limit && utf8.RuneCountInString(s) > limit {
		return slipway.FieldError(field, "must be at most %s characters (the limit for a %s)", thousands(limit), kind)
	}
	return nil
}

// CheckKey applies the rule to a key of the map at field: keys are identifiers.
func CheckKey(field, key string) error {
	if err := checkBytes(key); err != "" {
		return slipway.FieldError(field, "keys %s", err)
	}
	if limit := Identifier.Limit(); len(key) > limit && utf8.RuneCountInString(key) > limit {
		return slipway.FieldError(field, "keys must be at most %s characters", thousands(limit))
	}
	return nil
}

// checkBytes says what is wrong with s's bytes, or "".
func checkBytes(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "must not contain NUL bytes (\\u0000)"
	}
	return ""
}

// thousands formats n as 65,536.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
