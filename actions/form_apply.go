package actions

import (
	"context"
	"sort"

	"github.com/slipwayhq/slipway"
)

// ApplyForm is Apply for a form with rules: it evaluates the form over
// inputs (Evaluate), drops hidden inputs, keeps disabled ones at their
// default, and validates the result against the schema, with required
// decided by the rules. sealed says which values are sealed secrets (nil:
// none); it must be pure, since the run workflow calls this with the
// context its starter recorded.
func (s *InputSchema) ApplyForm(ctx context.Context, inputs map[string]any, fc FormContext, sealed func(any) bool) (map[string]any, error) {
	state := s.ui.Evaluate(ctx, inputs, fc)
	// Required is the rules' to decide: compile the form without it (the
	// compiled copy is cached by content like every form).
	open := s.ui
	open.Required, open.RequiredJQ = nil, ""
	open.Properties = make(map[string]Input, len(s.ui.Properties))
	for name, in := range s.ui.Properties {
		if in.Secret() && sealed != nil && sealed(state.Values[name]) {
			in = Input{"type": "string"}
		}
		open.Properties[name] = in
	}
	schema, err := compileInputs(open, s.notDeclared)
	if err != nil {
		return nil, err
	}
	out, err := schema.validate(state.Values)
	bad := slipway.ViolationsOf(err)
	if err != nil && len(bad) == 0 {
		return nil, err
	}
	bad = append(bad, state.Violations...)
	if len(bad) > 0 {
		sort.SliceStable(bad, func(i, j int) bool { return bad[i].Field < bad[j].Field })
		return nil, slipway.Invalid("inputs", bad)
	}
	return out, nil
}
