package actions_test

import (
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/actions"
)

// Port's GITHUB definition parses unchanged; reportWorkflowStatus
// defaults to true.
func TestGitHubDefinitionPastesUnchanged(t *testing.T) {
	def, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
	  "userInputs": {"properties": {"service": {"type": "string"}}}},
	  "invocationMethod": {"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml",
	    "workflowInputs": {"service": "{{ .inputs.service }}", "port_context": {"runId": "{{ .run.id }}"}},
	    "omitPayload": false, "omitUserInputs": true}}`))
	if err != nil {
		t.Fatal(err)
	}
	inv := def.InvocationMethod
	if inv.Org != "acme" || inv.Repo != "api" || inv.Workflow != "deploy.yml" || len(inv.WorkflowInputs) != 2 || !inv.OmitUserInputs || !inv.ReportsWorkflowStatus() {
		t.Fatalf("parsed %+v", inv)
	}
}

func TestGitHubBadFieldsAreNamed(t *testing.T) {
	inputs := make([]string, 26)
	for i := range inputs {
		inputs[i] = `"in` + strings.Repeat("x", i) + `": "v"`
	}
	for _, c := range []struct{ invocation, field, message string }{
		{`{"type": "GITHUB", "repo": "api", "workflow": "deploy.yml"}`, "invocationMethod.org", "is required"},
		{`{"type": "GITHUB", "org": "acme", "workflow": "deploy.yml"}`, "invocationMethod.repo", "is required"},
		{`{"type": "GITHUB", "org": "ac me", "repo": "api", "workflow": "deploy.yml"}`, "invocationMethod.org", "may hold only"},
		{`{"type": "GITHUB", "org": "acme", "repo": "api"}`, "invocationMethod.workflow", "is required"},
		{`{"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "../deploy"}`, "invocationMethod.workflow", "file name"},
		{`{"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml", "workflowInputs": {"a": "{{ .inputs. }}"}}`, "invocationMethod.workflowInputs.a", "does not parse"},
		{`{"type": "GITHUB", "org": "acme", "repo": "api", "workflow": "deploy.yml", "workflowInputs": {` + strings.Join(inputs, ",") + `}}`, "invocationMethod.workflowInputs", "at most 25"},
	} {
		_, err := actions.Parse([]byte(`{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE",
		  "userInputs": {"properties": {}}}, "invocationMethod": ` + c.invocation + `}`))
		got := violations(t, err)
		if !strings.Contains(got[c.field], c.message) {
			t.Errorf("%s: violations %v, want %s: %q", c.invocation, got, c.field, c.message)
		}
	}
}
