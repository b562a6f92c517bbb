package demo

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// payload is what Slipway POSTs to a webhook: Port's trigger data.
type payload struct {
	Inputs  map[string]any `json:"inputs"`
	Entity  *entity        `json:"entity"`
	Trigger struct {
		By struct {
			User struct {
				Email     string `json:"email"`
				FirstName string `json:"firstName"`
				LastName  string `json:"lastName"`
			} `json:"user"`
		} `json:"by"`
		Origin string `json:"origin"`
	} `json:"trigger"`
	Action struct {
		Identifier string `json:"identifier"`
		Blueprint  string `json:"blueprint"`
	} `json:"action"`
	Run struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	} `json:"run"`
}

// entity is the writable part of a catalog entity, in Port's JSON: what
// DAY-2 and DELETE runs receive as "entity" and what the backend writes back.
type entity struct {
	Blueprint  string         `json:"blueprint"`
	Identifier string         `json:"identifier"`
	Title      string         `json:"title,omitempty"`
	Icon       string         `json:"icon,omitempty"`
	Team       string         `json:"team,omitempty"`
	Properties map[string]any `json:"properties"`
	Relations  map[string]any `json:"relations,omitempty"`
}

// person is who a commit is made by.
type person struct{ Name, Email string }

// requester is the run's requester as a commit author.
func (p *payload) requester() person {
	u := p.Trigger.By.User
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if u.Email == "" {
		return seedAuthor
	}
	if name == "" {
		name = u.Email
	}
	return person{Name: name, Email: u.Email}
}

// text returns a required string input.
func (p *payload) text(name string) (string, error) {
	s, ok := p.Inputs[name].(string)
	if !ok || strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("inputs.%s: is required", name)
	}
	return s, nil
}

// name returns an input that names a folder: it must match namePattern.
func (p *payload) name(input string) (string, error) {
	s, err := p.text(input)
	if err != nil {
		return "", err
	}
	if !nameRE.MatchString(s) {
		return "", fmt.Errorf("inputs.%s: %q must be lower-case letters, digits and dashes, starting with a letter (at most 40)", input, s)
	}
	return s, nil
}

// wholeNumber returns a required whole-number input within [lo, hi].
func (p *payload) wholeNumber(name string, lo, hi int) (int, error) {
	f, ok := p.Inputs[name].(float64)
	switch {
	case !ok:
		return 0, fmt.Errorf("inputs.%s: is required and must be a number", name)
	case f != math.Trunc(f) || f < float64(lo) || f > float64(hi):
		return 0, fmt.Errorf("inputs.%s: must be a whole number from %d to %d, not %v", name, lo, hi, f)
	}
	return int(f), nil
}

// subject returns the entity a DAY-2 or DELETE run works on, whose
// identifier may name a file: it must not hold a path separator.
func (p *payload) subject() (*entity, error) {
	e := p.Entity
	if e == nil || e.Identifier == "" {
		return nil, fmt.Errorf("entity: is required: this action runs on an entity")
	}
	if !safeName(e.Identifier) {
		return nil, fmt.Errorf("entity.identifier: %q cannot name a file", e.Identifier)
	}
	if e.Properties == nil {
		e.Properties = map[string]any{}
	}
	return e, nil
}

var nameRE = regexp.MustCompile(namePattern)

// safeName reports whether s can be a file or folder name under the demo
// folder: catalog identifiers can (no separators), except "." and "..".
func safeName(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 200 && !strings.ContainsAny(s, `/\`+"\x00")
}
