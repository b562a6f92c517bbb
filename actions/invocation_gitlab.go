package actions

import (
	"regexp"
	"strings"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// pipelineVariableName is GitLab's rule for CI/CD variable keys.
var pipelineVariableName = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)

// validateGitLab checks a GITLAB invocation in Port's shape. The GitLab
// server and its tokens are the operator's configuration (SLIPWAY_GITLAB_*),
// so a Port definition pastes unchanged and carries no credential.
func validateGitLab(inv Invocation, v *violations) {
	if strings.TrimSpace(inv.ProjectName) == "" {
		v.add("invocationMethod.projectName", "is required")
	}
	if strings.TrimSpace(inv.GroupName) == "" {
		v.add("invocationMethod.groupName", "is required")
	}
	for name := range inv.PipelineVariables {
		if !pipelineVariableName.MatchString(name) {
			v.add("invocationMethod.pipelineVariables", "%q is not a valid CI/CD variable name (letters, digits and _ only)", name)
		}
	}
	templated := map[string]any{"projectName": inv.ProjectName, "groupName": inv.GroupName, "defaultRef": inv.DefaultRef}
	if inv.PipelineVariables != nil {
		templated["pipelineVariables"] = inv.PipelineVariables
	}
	v.addAll(jqtemplate.Check(templated, "invocationMethod"))
}
