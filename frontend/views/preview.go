package views

// Preview is a dry run as the execute form shows it.
type Preview struct {
	// Error is why there is no preview at all (not allowed, not published...).
	Error string
	// FieldErrors are the inputs' problems, every one, by field path.
	FieldErrors []NameValue
	Inputs      []NameValue
	// Approval is "" when none is needed, else one line per stage.
	ApprovalWaived bool
	Stages         []PreviewStage
	Backend        string
	Target         string
	// Request is a WEBHOOK's request as text: the request line, the
	// headers, a blank line and the body.
	Request string
	// Message is a KAFKA message, as indented JSON.
	Message string
	// Variables are a GITHUB workflow's inputs or a GITLAB pipeline's variables.
	Variables []NameValue
	// Entity is what an UPSERT_ENTITY writes, as indented JSON.
	Entity string
	// Payload is the trigger data the backend is sent, as indented JSON.
	Payload string
	Problem string
}

// PreviewStage is one approval step of a dry run.
type PreviewStage struct {
	Title     string
	Quorum    string
	Approvers []string
}

// NameValue is one labelled value.
type NameValue struct{ Name, Value string }
