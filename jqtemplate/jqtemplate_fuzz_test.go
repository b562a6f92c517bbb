package jqtemplate_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/slipwayhq/slipway/jqtemplate"
)

// FuzzRender: any template over any data returns a value or an error,
// never panics, and stops when its context does: a template is written by
// an admin but runs on the worker, where a runaway one must not wedge it.
func FuzzRender(f *testing.F) {
	data := []byte(`{"inputs": {"name": "pr-42", "replicas": 3, "tags": ["a", "b"]}, "trigger": {"by": "dev1"}, "entity": null}`)
	f.Add("{{ .inputs.name }}", data)
	f.Add("deploy {{ .inputs.name }} x{{ .inputs.replicas }} by {{ .trigger.by }}", data)
	f.Add("{{ .inputs.tags | map(ascii_upcase) }}", data)
	f.Add("{{ error(\"boom\") }}", data)
	f.Add("{{ [range(1e9)] | length }}", data)
	f.Add("{{ def f: f; f }}", data)
	f.Add("{{ .inputs | tojson | fromjson }} and {{ .missing.deep }}", data)
	f.Add("{{ }}{{", []byte(`[]`))
	f.Add(`{{ "a" * 100 }}`, []byte(`1`))
	f.Fuzz(func(t *testing.T, template string, rawData []byte) {
		var input any
		if json.Unmarshal(rawData, &input) != nil {
			input = map[string]any{}
		}
		_ = jqtemplate.Check(template, "body")

		const deadline = 200 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := jqtemplate.Render(ctx, map[string]any{"k": template, "l": []any{template}}, input); err != nil && err.Error() == "" {
				t.Error("an error without a message")
			}
			_, _ = jqtemplate.RenderString(ctx, template, input)
		}()
		select {
		case <-done:
		case <-time.After(deadline + 3*time.Second):
			t.Fatalf("template %q ran past its context's deadline", template)
		}
	})
}
