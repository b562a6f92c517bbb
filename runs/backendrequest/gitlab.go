package backendrequest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// GitLabTemplate is a GITLAB definition's pipeline: every field may hold
// {{ jq }} templates.
type GitLabTemplate struct {
	GroupName, ProjectName, DefaultRef string
	PipelineVariables                  map[string]any
	OmitPayload, OmitUserInputs        bool
}

// GitLabPayloadVariable carries the trigger data to pipelines of
// definitions without pipelineVariables (Port's legacy convention).
const GitLabPayloadVariable = "port_payload"

// variableName replaces what CI/CD variable keys may not hold.
var variableName = regexp.MustCompile(`[^A-Za-z0-9_]`)

// GitLabPipeline renders the project path, the ref and the variables.
func GitLabPipeline(ctx context.Context, in GitLabTemplate, scope any, payload []byte) (project, ref string, variables map[string]string, err error) {
	fields := map[string]string{"groupName": in.GroupName, "projectName": in.ProjectName, "defaultRef": in.DefaultRef}
	for _, k := range []string{"groupName", "projectName", "defaultRef"} {
		if fields[k], err = jqtemplate.RenderString(ctx, fields[k], scope); err != nil {
			return "", "", nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	project = strings.Trim(fields["groupName"], "/") + "/" + strings.Trim(fields["projectName"], "/")
	variables = map[string]string{}
	if in.PipelineVariables != nil {
		rendered, err := jqtemplate.Render(ctx, in.PipelineVariables, scope)
		if err != nil {
			return "", "", nil, fmt.Errorf("pipelineVariables.%w", err)
		}
		for k, v := range rendered.(map[string]any) {
			variables[k] = variableText(v)
		}
		return project, fields["defaultRef"], variables, nil
	}
	var data struct {
		Inputs map[string]any `json:"inputs"`
	}
	_ = json.Unmarshal(payload, &data)
	if !in.OmitUserInputs {
		for k, v := range data.Inputs {
			variables[variableName.ReplaceAllString(k, "_")] = variableText(v)
		}
	}
	if !in.OmitPayload {
		variables[GitLabPayloadVariable] = string(payload)
	}
	return project, fields["defaultRef"], variables, nil
}

// variableText is a value as a CI/CD variable: strings as they are,
// anything else as JSON.
func variableText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
