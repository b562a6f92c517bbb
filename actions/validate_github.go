package actions

import (
	"regexp"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// maxWorkflowInputs is GitHub's limit on a workflow_dispatch's inputs.
const maxWorkflowInputs = 25

var (
	// GitHub's owner and repository names: letters, digits, - _ and . .
	githubName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	// A workflow is named by its file name (deploy.yml) or its numeric id.
	githubWorkflow = regexp.MustCompile(`^([A-Za-z0-9_.-]+\.ya?ml|[0-9]+)$`)
)

// validateGitHub checks a GITHUB invocation (Port's shape). Credentials
// are not part of it: they come from the secret store (README, GitHub).
func validateGitHub(inv Invocation, v *violations) {
	for _, f := range []struct{ path, value string }{{"org", inv.Org}, {"repo", inv.Repo}} {
		switch {
		case f.value == "":
			v.add("invocationMethod."+f.path, "is required")
		case !githubName.MatchString(f.value):
			v.add("invocationMethod."+f.path, "may hold only letters, digits and -_.")
		}
	}
	switch {
	case inv.Workflow == "":
		v.add("invocationMethod.workflow", "is required: the workflow's file name, e.g. deploy.yml")
	case !githubWorkflow.MatchString(inv.Workflow):
		v.add("invocationMethod.workflow", "must be the workflow's file name (deploy.yml) or its numeric id")
	}
	if len(inv.WorkflowInputs) > maxWorkflowInputs {
		v.add("invocationMethod.workflowInputs", "GitHub takes at most %d inputs, not %d", maxWorkflowInputs, len(inv.WorkflowInputs))
	}
	for name := range inv.WorkflowInputs {
		if !githubName.MatchString(name) {
			v.add("invocationMethod.workflowInputs", "%q is not a valid input name", name)
		}
	}
	if len(inv.WorkflowInputs) > 0 {
		v.addAll(jqtemplate.Check(map[string]any{"workflowInputs": inv.WorkflowInputs}, "invocationMethod"))
	}
}
