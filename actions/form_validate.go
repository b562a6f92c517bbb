package actions

import (
	"fmt"
	"sort"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// Checks of a form's rules on write: every jq compiles now (its error
// names the keyword's path, e.g. trigger.userInputs.properties.region.visible.jqQuery),
// and every name a rule, an order or a step refers to exists.

// validateRules checks an input's dynamic keywords, dependsOn and sort.
func validateRules(path string, in Input, v *violations) {
	for _, kw := range dynamicKeywords {
		raw, ok := in[kw]
		if !ok {
			continue
		}
		if m, isObj := raw.(map[string]any); isObj {
			if _, has := m["jqQuery"]; has {
				validateJQ(path+"."+kw, raw, v)
				continue
			}
		}
		switch kw {
		case "visible", "disabled", "readOnly":
			if _, isBool := raw.(bool); !isBool {
				v.add(path+"."+kw, `must be true, false or {"jqQuery": "..."}`)
			}
		case "required":
			_, isBool := raw.(bool)
			_, isList := raw.([]any) // an object input's own required properties
			if !isBool && !(isList && in["type"] == "object") {
				v.add(path+"."+kw, `must be true, false or {"jqQuery": "..."}`)
			}
		}
	}
	if raw, ok := in["dependsOn"]; ok {
		list, isList := raw.([]any)
		if !isList {
			v.add(path+".dependsOn", "must be a list of input names")
		}
		for i, x := range list {
			if _, isString := x.(string); !isString {
				v.add(fmt.Sprintf("%s.dependsOn[%d]", path, i), "must be an input name")
			}
		}
	}
	if raw, ok := in["sort"]; ok {
		m, isObj := raw.(map[string]any)
		prop, _ := m["property"].(string)
		order, _ := m["order"].(string)
		if !isObj || prop == "" || (order != "" && order != "ASC" && order != "DESC") {
			v.add(path+".sort", `must be {"property": "...", "order": "ASC" | "DESC"}`)
		}
	}
}

// validateJQ checks a {"jqQuery": "..."} value at path.
func validateJQ(path string, raw any, v *violations) {
	q, ok := jqQuery(raw)
	if !ok {
		v.add(path, `must be {"jqQuery": "..."} with a string query and nothing else`)
		return
	}
	if err := jqtemplate.CheckExpr(q); err != nil {
		v.add(path+".jqQuery", "%v", err)
	}
}

// validateLayout checks required's jq, order, steps, titles and that
// dependsOn names inputs of the form.
func validateLayout(prefix string, ui UserInputs, out *violations) {
	var v violations // sorted by field below: titles and inputs are maps
	defer func() {
		sort.SliceStable(v, func(i, j int) bool { return v[i].Field < v[j].Field })
		*out = append(*out, v...)
	}()
	if ui.RequiredJQ != "" {
		if err := jqtemplate.CheckExpr(ui.RequiredJQ); err != nil {
			v.add(prefix+".required.jqQuery", "%v", err)
		}
	}
	placeable := func(name string) bool {
		_, input := ui.Properties[name]
		_, title := ui.Titles[name]
		return input || title
	}
	for i, name := range ui.Order {
		if !placeable(name) {
			v.add(fmt.Sprintf("%s.order[%d]", prefix, i), "%q is not a property or a title", name)
		}
	}
	if len(ui.Steps) > 0 && len(ui.Order) > 0 {
		v.add(prefix+".order", "a form with steps orders each step instead")
	}
	for i, st := range ui.Steps {
		if st.Title == "" {
			v.add(fmt.Sprintf("%s.steps[%d].title", prefix, i), "is required")
		}
		for j, name := range st.Order {
			if !placeable(name) {
				v.add(fmt.Sprintf("%s.steps[%d].order[%d]", prefix, i, j), "%q is not a property or a title", name)
			}
		}
	}
	for id, t := range ui.Titles {
		path := prefix + ".titles." + id
		if !inputNamePattern.MatchString(id) {
			v.add(path, "names may hold only letters, digits and @_=-")
		}
		if _, clash := ui.Properties[id]; clash {
			v.add(path, "is also the name of an input")
		}
		if t.Visible != nil {
			if _, isBool := t.Visible.(bool); !isBool {
				validateJQ(path+".visible", t.Visible, &v)
			}
		}
	}
	for name, in := range ui.Properties {
		list, _ := in["dependsOn"].([]any)
		for i, x := range list {
			if s, ok := x.(string); ok {
				if _, exists := ui.Properties[s]; !exists {
					v.add(fmt.Sprintf("%s.properties.%s.dependsOn[%d]", prefix, name, i), "%q is not a property", s)
				}
			}
		}
	}
}
