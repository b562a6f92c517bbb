package jqtemplate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/jqtemplate"
)

var data = map[string]any{
	"inputs":  map[string]any{"name": "pr-42", "replicas": 3, "tags": []any{"a", "b"}},
	"trigger": map[string]any{"by": map[string]any{"user": map[string]any{"email": "dev1@example.com"}}},
	"run":     map[string]any{"id": "r1"},
}

func TestWholeExpressionsKeepTheirType(t *testing.T) {
	out, err := jqtemplate.Render(context.Background(), map[string]any{
		"replicas": "{{ .inputs.replicas }}",
		"tags":     "{{.inputs.tags}}",
		"title":    "Env {{ .inputs.name }} by {{ .trigger.by.user.email }}",
		"nested":   []any{"{{ .run.id }}", 7},
		"plain":    "no template",
	}, data)
	if err != nil {
		t.Fatal(err)
	}
	m := out.(map[string]any)
	if m["replicas"] != float64(3) {
		t.Errorf("replicas %#v", m["replicas"])
	}
	if tags, _ := m["tags"].([]any); len(tags) != 2 {
		t.Errorf("tags %#v", m["tags"])
	}
	if m["title"] != "Env pr-42 by dev1@example.com" {
		t.Errorf("title %q", m["title"])
	}
	if n := m["nested"].([]any); n[0] != "r1" || n[1] != 7 {
		t.Errorf("nested %#v", n)
	}
	if m["plain"] != "no template" {
		t.Errorf("plain %q", m["plain"])
	}
	url, err := jqtemplate.RenderString(context.Background(), "https://ci/{{ .inputs.name }}/deploy?n={{ .inputs.replicas }}", data)
	if err != nil || url != "https://ci/pr-42/deploy?n=3" {
		t.Errorf("url %q %v", url, err)
	}
}

func TestBadTemplatesFailWithTheirPath(t *testing.T) {
	bad := jqtemplate.Check(map[string]any{"a": "{{ .inputs | }}", "b": []any{"ok {{ .x }}", "{{ nosuchfn(1) }}"}}, "invocationMethod.body")
	if len(bad) != 2 || bad["invocationMethod.body.a"] == "" || bad["invocationMethod.body.b[1]"] == "" {
		t.Errorf("check: %v", bad)
	}
	_, err := jqtemplate.Render(context.Background(), map[string]any{"x": "{{ .inputs.name | error }}"}, data)
	if err == nil || !strings.Contains(err.Error(), "x:") {
		t.Errorf("runtime error: %v", err)
	}
	_, err = jqtemplate.Render(context.Background(), map[string]any{"loop": "{{ [range(1e12)] | length }}"}, data)
	if err == nil {
		t.Error("a runaway expression must time out")
	}
}
