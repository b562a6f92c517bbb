package actions_test

import (
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

const portTrigger = `"trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {"service": {"type": "string"}}}}`

// Port's GITLAB and KAFKA definitions paste unchanged.
func TestPortGitLabAndKafkaDefinitionsParse(t *testing.T) {
	gitlab, err := actions.Parse([]byte(`{"identifier": "deploy", ` + portTrigger + `,
	  "invocationMethod": {"type": "GITLAB", "projectName": "payments", "groupName": "platform", "defaultRef": "main",
	    "pipelineVariables": {"SERVICE": "{{ .inputs.service }}", "RUN_ID": "{{ .run.id }}"}, "omitPayload": true, "omitUserInputs": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	inv := gitlab.InvocationMethod
	if inv.ProjectName != "payments" || inv.GroupName != "platform" || inv.DefaultRef != "main" || inv.PipelineVariables["SERVICE"] != "{{ .inputs.service }}" || !inv.OmitPayload || !inv.OmitUserInputs {
		t.Errorf("GITLAB invocation %+v", inv)
	}
	kafka, err := actions.Parse([]byte(`{"identifier": "scaffold", ` + portTrigger + `, "invocationMethod": {"type": "KAFKA", "payload": {"service": "{{ .inputs.service }}"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(kafka.InvocationMethod.Payload) != `{"service": "{{ .inputs.service }}"}` {
		t.Errorf("KAFKA payload %s", kafka.InvocationMethod.Payload)
	}
	if _, err := actions.Parse([]byte(`{"identifier": "scaffold", ` + portTrigger + `, "invocationMethod": {"type": "KAFKA"}}`)); err != nil {
		t.Errorf("KAFKA without a payload: %v", err)
	}
}

func TestBadGitLabAndKafkaFieldsAreNamed(t *testing.T) {
	_, err := actions.Parse([]byte(`{"identifier": "deploy", ` + portTrigger + `,
	  "invocationMethod": {"type": "GITLAB", "projectName": "{{ .inputs. }}", "pipelineVariables": {"NOT OK": "x", "B": "{{ nope( }}"}}}`))
	got := violations(t, err)
	for _, field := range []string{"invocationMethod.groupName", "invocationMethod.projectName", "invocationMethod.pipelineVariables", "invocationMethod.pipelineVariables.B"} {
		if got[field] == "" {
			t.Errorf("no violation for %s in %v", field, got)
		}
	}
	_, err = actions.Parse([]byte(`{"identifier": "scaffold", ` + portTrigger + `, "invocationMethod": {"type": "KAFKA", "payload": {"a": "{{ nope( }}"}}}`))
	if got := violations(t, err); got["invocationMethod.payload.a"] == "" {
		t.Errorf("violations %v: want invocationMethod.payload.a", got)
	}
}
