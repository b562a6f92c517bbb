package actions

import (
	"encoding/json"
	"fmt"
)

// userInputsJSON is UserInputs as Port writes it.
type userInputsJSON struct {
	Properties map[string]Input     `json:"properties"`
	Required   json.RawMessage      `json:"required,omitempty"`
	Order      []string             `json:"order,omitempty"`
	Steps      []FormStep           `json:"steps,omitempty"`
	Titles     map[string]FormTitle `json:"titles,omitempty"`
}

// UnmarshalJSON reads Port's shape: "required" is a list of names or
// {"jqQuery": "..."}.
func (ui *UserInputs) UnmarshalJSON(b []byte) error {
	var raw userInputsJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*ui = UserInputs{Properties: raw.Properties, Order: raw.Order, Steps: raw.Steps, Titles: raw.Titles}
	if len(raw.Required) == 0 || string(raw.Required) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw.Required, &ui.Required); err == nil {
		return nil
	}
	var dyn struct {
		JQQuery *string `json:"jqQuery"`
	}
	if err := json.Unmarshal(raw.Required, &dyn); err != nil || dyn.JQQuery == nil {
		return fmt.Errorf(`required: must be a list of input names or {"jqQuery": "..."}`)
	}
	ui.RequiredJQ = *dyn.JQQuery
	return nil
}

// MarshalJSON writes Port's shape back, so a definition round-trips.
func (ui UserInputs) MarshalJSON() ([]byte, error) {
	raw := userInputsJSON{Properties: ui.Properties, Order: ui.Order, Steps: ui.Steps, Titles: ui.Titles}
	switch {
	case ui.RequiredJQ != "":
		raw.Required, _ = json.Marshal(map[string]string{"jqQuery": ui.RequiredJQ})
	case len(ui.Required) > 0:
		raw.Required, _ = json.Marshal(ui.Required)
	}
	return json.Marshal(raw)
}
