package actions

import (
	"encoding/json"
	"sync"
)

// compiledFormsMax bounds the compiled forms kept: far more than the
// actions of a catalog, few enough that a flood of distinct definitions
// (an editor's previews) costs little memory.
const compiledFormsMax = 1024

// compiledForms keeps forms compiled by their content. Every start of a run
// compiles its action's form twice (the API, then the workflow's own
// check), and compiling a JSON Schema costs more than the rest of the
// start's checks together; the same content always compiles to the same
// schema, so it is compiled once.
var compiledForms = &formCache{forms: map[string]*InputSchema{}}

type formCache struct {
	mu    sync.Mutex
	forms map[string]*InputSchema
}

// get compiles ui or returns its compiled copy. Only successes are kept:
// a form that does not compile is rare and says why each time.
func (c *formCache) get(ui UserInputs, notDeclared string) (*InputSchema, error) {
	// encoding/json sorts map keys: equal content, equal key.
	content, err := json.Marshal(ui)
	if err != nil {
		return compileInputsUncached(ui, notDeclared)
	}
	key := notDeclared + "\x00" + string(content)
	c.mu.Lock()
	s, ok := c.forms[key]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	// The kept schema holds its own copy of the form, so that a caller
	// changing its definition afterwards cannot change it.
	var own UserInputs
	if err := json.Unmarshal(content, &own); err != nil {
		return compileInputsUncached(ui, notDeclared)
	}
	s, err = compileInputsUncached(own, notDeclared)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.forms) >= compiledFormsMax {
		clear(c.forms)
	}
	c.forms[key] = s
	c.mu.Unlock()
	return s, nil
}
