package actions

// PublicDefinition is what a user who may run an action reads of it: the
// form and where and how it is offered. It leaves out everything an admin
// configured behind it: the backend (URL, headers, body, which may hold
// credentials), who may run and approve it, the approval notification, the
// rule deciding when approval is needed, timeouts and retries.
type PublicDefinition struct {
	Identifier  string  `json:"identifier"`
	Title       string  `json:"title,omitempty"`
	Icon        string  `json:"icon,omitempty"`
	Description string  `json:"description,omitempty"`
	Trigger     Trigger `json:"trigger"`
	// RequiredApproval says whether runs wait for approval and with which
	// quorum; its "when" rule is an admin's.
	RequiredApproval Approval `json:"requiredApproval"`
	Publish          *bool    `json:"publish,omitempty"`
}

// PublicView returns the part of d that users who may run it read. Input
// schemas stay whole: they describe the form, and secret inputs hold no values.
func (d Definition) PublicView() PublicDefinition {
	approval := d.RequiredApproval
	approval.When = ""
	return PublicDefinition{
		Identifier: d.Identifier, Title: d.Title, Icon: d.Icon, Description: d.Description,
		Trigger: d.Trigger, RequiredApproval: approval, Publish: d.Publish,
	}
}
