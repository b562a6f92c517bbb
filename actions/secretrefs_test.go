package actions_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/secrets"
)

func definitionWith(invocation string) string {
	return `{"identifier": "deploy", "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
	  "invocationMethod": ` + invocation + `}`
}

func TestSecretRefsWalkEveryStringOfTheBackend(t *testing.T) {
	d, err := actions.Parse([]byte(definitionWith(`{"type": "WEBHOOK", "url": "https://ci.example/{{ .secrets.ORG }}",
	  "headers": {"Authorization": "Bearer {{ .secrets.TOKEN }}"}, "body": {"nested": [{"key": "{{ .secrets.BODY_KEY }}"}]}}`)))
	if err != nil {
		t.Fatal(err)
	}
	refs, unnamed := d.SecretRefs()
	want := []jqtemplate.SecretRef{
		{Path: "invocationMethod.body.nested[0].key", Name: "BODY_KEY"},
		{Path: "invocationMethod.headers.Authorization", Name: "TOKEN"},
		{Path: "invocationMethod.url", Name: "ORG"},
	}
	if !reflect.DeepEqual(refs, want) || len(unnamed) > 0 {
		t.Errorf("refs %+v unnamed %v", refs, unnamed)
	}
}

func TestSecretUsesTheStoreCannotHonourAreRefused(t *testing.T) {
	cases := map[string]struct{ def, field, says string }{
		"unnamed": {definitionWith(`{"type": "WEBHOOK", "url": "https://x.example", "headers": {"X": "{{ .secrets | tostring }}"}}`),
			"invocationMethod.headers.X", "without naming a secret"},
		"into the catalog": {definitionWith(`{"type": "UPSERT_ENTITY", "blueprintIdentifier": "service",
		    "mapping": {"identifier": "x", "properties": {"token": "{{ .secrets.TOKEN }}"}}}`),
			"invocationMethod.mapping.properties.token", "UPSERT_ENTITY"},
		"to a team's worker": {definitionWith(`{"type": "TEMPORAL", "taskQueue": "payments", "activity": "{{ .secrets.TOKEN }}"}`),
			"invocationMethod.activity", "TEMPORAL actions take no secrets"},
		"outside the backend": {strings.Replace(definitionWith(`{"type": "WEBHOOK", "url": "https://x.example"}`), `"identifier": "deploy",`,
			`"identifier": "deploy", "approvalNotification": {"type": "webhook", "url": "https://n.example/{{ .secrets.TOKEN }}"},`, 1),
			"approvalNotification.url", "only in invocationMethod"},
	}
	for name, c := range cases {
		_, err := actions.Parse([]byte(c.def))
		if got := violations(t, err)[c.field]; !strings.Contains(got, c.says) {
			t.Errorf("%s: %s says %q (all: %v)", name, c.field, got, err)
		}
	}
}

// Non-admins read definitions with every header value and every template
// reading a secret masked; nothing else changes.
func TestRedactedMasksHeadersAndSecretTemplates(t *testing.T) {
	d, err := actions.Parse([]byte(definitionWith(`{"type": "WEBHOOK", "url": "https://ci.example/hook?t={{ .secrets.TOKEN }}&run={{ .run.id }}",
	  "headers": {"Authorization": "Bearer literal-credential", "X-Run": "{{ .run.id }}"}, "body": {"key": "{{ .secrets.BODY_KEY }}", "tag": "{{ .inputs.tag }}"}}`)))
	if err != nil {
		t.Fatal(err)
	}
	r := d.Redacted()
	b, _ := json.Marshal(r)
	for _, hidden := range []string{"literal-credential", ".secrets", "{{ .run.id }}\"}"} {
		if strings.Contains(string(b), hidden) {
			t.Errorf("redacted definition shows %q: %s", hidden, b)
		}
	}
	inv := r.InvocationMethod
	if inv.Headers["Authorization"] != secrets.Mask || inv.Headers["X-Run"] != secrets.Mask ||
		inv.URL != "https://ci.example/hook?t="+secrets.Mask+"&run={{ .run.id }}" || !strings.Contains(string(inv.Body), `"tag":"{{ .inputs.tag }}"`) {
		t.Errorf("redacted invocation %+v body %s", inv, inv.Body)
	}
	if d.InvocationMethod.Headers["Authorization"] != "Bearer literal-credential" {
		t.Error("Redacted changed the definition it was given")
	}
	r.InvocationMethod, d.InvocationMethod = actions.Invocation{}, actions.Invocation{}
	if !reflect.DeepEqual(r, d) {
		t.Errorf("redaction changed more than the backend:\n%+v\n%+v", r, d)
	}
}
