package jqtemplate_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/slipwayhq/slipway/jqtemplate"
)

func TestSecretRefsFindEveryNamedSecret(t *testing.T) {
	v := map[string]any{
		"url":     "https://ci.example/{{ .secrets.ORG }}/hook?t={{.secrets[\"TOKEN\"]}}",
		"headers": map[string]string{"Authorization": "Bearer {{ .secrets.TOKEN }}", "X-Run": "{{ .run.id }}"},
		"body":    json.RawMessage(`{"list": ["{{ .secrets.A_1 | ascii_downcase }}"], "plain": ".secrets.NOT_A_TEMPLATE"}`),
		"whole":   "{{ .secrets }}",
		"dynamic": "{{ .secrets[.inputs.which] }}",
		"nested":  "{{ .inputs.secrets.x }} {{ .entity.properties[\"secrets\"] }} {{ (.a).secrets.y }} {{ $v.secrets.z }}",
		// After a pipe .secrets may be a field of the piped value; it counts
		// as a secret all the same (loading one more is harmless).
		"piped": "{{ .inputs | .secrets.W }}",
	}
	refs, unnamed := jqtemplate.SecretRefs(v, "invocationMethod")
	want := []jqtemplate.SecretRef{
		{Path: "invocationMethod.body.list[0]", Name: "A_1"},
		{Path: "invocationMethod.headers.Authorization", Name: "TOKEN"},
		{Path: "invocationMethod.piped", Name: "W"},
		{Path: "invocationMethod.url", Name: "ORG"},
		{Path: "invocationMethod.url", Name: "TOKEN"},
	}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("refs %+v, want %+v", refs, want)
	}
	if !reflect.DeepEqual(unnamed, []string{"invocationMethod.dynamic", "invocationMethod.whole"}) {
		t.Errorf("unnamed %v", unnamed)
	}
	if names := jqtemplate.SecretNames(refs); !reflect.DeepEqual(names, []string{"A_1", "ORG", "TOKEN", "W"}) {
		t.Errorf("names %v", names)
	}
}

func TestMaskSecretsHidesOnlyTemplatesReadingSecrets(t *testing.T) {
	got := jqtemplate.MaskSecrets("https://x/{{ .inputs.env }}?t={{ .secrets.TOKEN }}&s={{ .inputs.secrets }}", "••")
	if got != "https://x/{{ .inputs.env }}?t=••&s={{ .inputs.secrets }}" {
		t.Errorf("masked to %q", got)
	}
}

func TestSecretNameRule(t *testing.T) {
	for name, ok := range map[string]bool{"TOKEN": true, "_x9": true, "gh_app_key": true, "9X": false, "A-B": false, "": false, "A.B": false, "é": false} {
		if jqtemplate.SecretName.MatchString(name) != ok {
			t.Errorf("%q: want valid=%v", name, ok)
		}
	}
}
