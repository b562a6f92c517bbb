package selfservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/runs/backendrequest"
	"github.com/slipwayhq/slipway/secrets"
)

// previewBackend renders the backend's call as the run's would be, each
// type through the function its activity renders with.
func (s *Service) previewBackend(ctx context.Context, in runs.Input, showHeaders bool) DryRunBackend {
	inv := in.Action.InvocationMethod
	data := runs.TriggerData(in)
	out := DryRunBackend{Type: inv.Type, Payload: data}
	var err error
	switch inv.Type {
	case actions.InvocationWebhook:
		out.Target = inv.URL
		out.Request, err = previewWebhook(ctx, in.Action, data, showHeaders)
	case actions.InvocationUpsertEntity:
		out.Target = "blueprint " + inv.BlueprintIdentifier
		if inv.Mapping != nil {
			var e actions.MappedEntity
			if e, err = inv.Mapping.Render(ctx, jsonTree(data)); err == nil {
				out.Entity = &e
			}
		}
	case actions.InvocationTemporal:
		out.Payload = runs.TemporalPayload(in)
		if n := inv.Nexus; n != nil {
			out.Target = "Nexus endpoint " + n.Endpoint + ", service " + n.Service + ", operation " + n.Operation
		} else {
			out.Target = "task queue " + inv.TaskQueue + ", activity " + inv.Activity
		}
	case actions.InvocationKafka:
		out.Target = "the runs topic (SLIPWAY_KAFKA_TOPIC), keyed by the run's id"
		scope, payload := maskedScope(data, inv.Payload)
		if out.Message, err = backendrequest.RenderBody(ctx, inv.Payload, scope, payload); err != nil {
			err = fmt.Errorf("payload%w", err)
		}
	case actions.InvocationGitHub:
		out.Target = "workflow " + inv.Workflow + " in " + inv.Org + "/" + inv.Repo
		scope, payload := maskedScope(data, inv.WorkflowInputs)
		var inputs map[string]any
		if inputs, err = backendrequest.GitHubInputs(ctx, inv.WorkflowInputs, inv.OmitPayload, inv.OmitUserInputs, scope, payload); err == nil {
			out.Variables = make(map[string]string, len(inputs))
			for k, v := range inputs {
				out.Variables[k] = fmt.Sprint(v)
			}
		}
	case actions.InvocationGitLab:
		t := backendrequest.GitLabTemplate{GroupName: inv.GroupName, ProjectName: inv.ProjectName, DefaultRef: inv.DefaultRef,
			PipelineVariables: inv.PipelineVariables, OmitPayload: inv.OmitPayload, OmitUserInputs: inv.OmitUserInputs}
		scope, payload := maskedScope(data, t.GroupName, t.ProjectName, t.DefaultRef, t.PipelineVariables)
		var project, ref string
		if project, ref, out.Variables, err = backendrequest.GitLabPipeline(ctx, t, scope, payload); err == nil {
			out.Target = "pipeline of " + project
			if ref != "" {
				out.Target += " at " + ref
			}
		}
	}
	if err != nil {
		out.Problem = "template failed: " + err.Error()
	}
	return out
}

// maskedScope is what a call's templates see (the trigger data, as JSON
// decodes it) with each secret the templates name ({{ .secrets.NAME }})
// masked instead of opened, and the trigger data as JSON (the payload).
func maskedScope(data map[string]any, templates ...any) (scope any, payload []byte) {
	scope = jsonTree(data)
	refs, _ := jqtemplate.SecretRefs(templates, "")
	if names := jqtemplate.SecretNames(refs); len(names) > 0 {
		masked := map[string]any{}
		for _, n := range names {
			masked[n] = secrets.Mask
		}
		if m, ok := scope.(map[string]any); ok {
			m[jqtemplate.SecretsKey] = masked
		}
	}
	payload, _ = json.Marshal(data) // it marshalled for jsonTree
	return scope, payload
}

// previewWebhook renders the request as activities.CallWebhook does, with
// every secret masked: members see the definition's header values masked
// (they may be credentials, and members never read the backend's
// configuration), admins see them with only the secrets masked.
func previewWebhook(ctx context.Context, d actions.Definition, data map[string]any, showHeaders bool) (*backendrequest.Request, error) {
	inv := d.InvocationMethod
	t := backendrequest.Template{URL: inv.URL, Method: inv.Method, Headers: inv.Headers, Body: inv.Body}
	scope, payload := maskedScope(data, t.URL, t.Headers, t.Body)
	req, err := backendrequest.Render(ctx, t, scope, payload)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, v := range req.Headers {
		h.Set(k, v)
	}
	backendrequest.Sign(h, []byte("dry run"), req.Body, time.Now())
	h.Set("Idempotency-Key", secrets.Mask) // the run's workflow and call: none in a dry run
	h.Set("User-Agent", "Slipway")
	configured := map[string]bool{}
	for k := range inv.Headers {
		configured[http.CanonicalHeaderKey(k)] = true
	}
	req.Headers = make(map[string]string, len(h))
	for k, v := range h {
		switch {
		case strings.Contains(strings.ToLower(k), "signature"), configured[k] && !showHeaders:
			req.Headers[k] = secrets.Mask
		default:
			req.Headers[k] = v[0]
		}
	}
	return &req, nil
}
