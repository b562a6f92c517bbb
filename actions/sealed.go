package actions

// Secret reports whether the input is marked "encryption": its value is
// sealed when a run starts and shown to nobody but the backend.
func (in Input) Secret() bool {
	_, ok := in["encryption"]
	return ok
}

// ApplySealed is Apply for the inputs of a run that has started: each
// secret input was validated in plaintext and then sealed, and a sealed
// value cannot be checked again, so it counts as a valid string. sealed
// says which values are sealed; it must be pure (the run workflow calls this).
func (s *InputSchema) ApplySealed(inputs map[string]any, sealed func(any) bool) (map[string]any, error) {
	ui := s.ui
	ui.Properties = make(map[string]Input, len(s.ui.Properties))
	relaxed := false
	for name, in := range s.ui.Properties {
		if in.Secret() && sealed(inputs[name]) {
			in, relaxed = Input{"type": "string"}, true
		}
		ui.Properties[name] = in
	}
	if !relaxed {
		return s.Apply(inputs)
	}
	schema, err := compileInputs(ui, s.notDeclared)
	if err != nil {
		return nil, err
	}
	return schema.Apply(inputs)
}
