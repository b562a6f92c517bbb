package text

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// place is where a string sits in a request: its JSON path, its kind, and
// whether its children are user-named values (inputs, properties).
type place struct {
	path   string
	kind   Kind
	values bool
}

// field is the place of the child named name.
func (p place) field(name string) place {
	c := place{kind: KindOf(name), values: holdsValues(name)}
	switch {
	case !plainName(name): // "", "a.b", "a b": quoted, so the path stays readable
		c.path = p.path + "[" + strconv.Quote(name) + "]"
	case p.path == "":
		c.path = name
	default:
		c.path = p.path + "." + name
	}
	if p.values || p.kind == Value {
		c.kind = Value
	}
	return c
}

// plainName reports whether name can stand in a dotted path as it is.
func plainName(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-'
	})
}

// item is the place of the i-th element of a list: same kind as the list.
func (p place) item(i int) place {
	return place{path: fmt.Sprintf("%s[%d]", p.path, i), kind: p.kind, values: p.values}
}

// keysField names a map's keys in errors; a request's top level is its "body".
func (p place) keysField() string {
	if p.path == "" {
		return "body"
	}
	return p.path
}

// CheckJSON applies the rule to every string and key of v, a request body
// decoded by encoding/json; each string's kind comes from its field's name.
func CheckJSON(v any) error { return place{}.checkJSON(v) }

func (p place) checkJSON(v any) error {
	switch x := v.(type) {
	case string:
		return Check(p.path, p.kind, x)
	case []any:
		for i, e := range x {
			if err := p.item(i).checkJSON(e); err != nil {
				return err
			}
		}
	case map[string]any:
		// Sorted, so that the same request always gets the same answer.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := CheckKey(p.keysField(), k); err != nil {
				return err
			}
			if err := p.field(k).checkJSON(x[k]); err != nil {
				return err
			}
		}
	}
	return nil
}
