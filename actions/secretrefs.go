package actions

import (
	"encoding/json"
	"maps"

	"github.com/slipwayhq/slipway/jqtemplate"
	"github.com/slipwayhq/slipway/secrets"
)

// SecretRefs lists the named secrets ({{ .secrets.NAME }}) the backend's
// templates use, each with its path (invocationMethod.headers.Authorization),
// and the paths that read .secrets without naming one. Every string of
// invocationMethod counts, whatever the backend type, so fields added by
// new backends are covered without listing them here.
func (d Definition) SecretRefs() (refs []jqtemplate.SecretRef, unnamed []string) {
	return jqtemplate.SecretRefs(d.InvocationMethod, "invocationMethod")
}

// backendsWithoutSecrets are the backends whose templates must not name a
// secret, and why.
var backendsWithoutSecrets = map[string]string{
	InvocationUpsertEntity: "secrets cannot be written into the catalog, which everyone reads (UPSERT_ENTITY)",
	InvocationTemporal:     "TEMPORAL actions take no secrets: the activity's input is stored in the run's history in plain JSON; the team's worker holds its own credentials",
}

// validateSecretUses refuses what the secret store could not honour:
// secrets read anywhere but the backend call (only its activity resolves
// them), read without a name (only named secrets are loaded), or by a
// backend that would store them (backendsWithoutSecrets). Whether the
// named secrets exist is checked where the store is (selfservice).
func validateSecretUses(d *Definition, v *violations) {
	refs, unnamed := d.SecretRefs()
	for _, p := range unnamed {
		v.add(p, "reads .secrets without naming a secret: write {{ .secrets.NAME }}")
	}
	if why, refused := backendsWithoutSecrets[d.InvocationMethod.Type]; refused {
		for _, r := range refs {
			v.add(r.Path, "%s", why)
		}
	}
	rest := *d
	rest.InvocationMethod = Invocation{}
	elsewhere, unnamedElsewhere := jqtemplate.SecretRefs(rest, "")
	for _, r := range elsewhere {
		v.add(r.Path, "secrets are resolved only in invocationMethod")
	}
	for _, p := range unnamedElsewhere {
		v.add(p, "secrets are resolved only in invocationMethod")
	}
}

// Redacted is d as anyone but an admin may read it: every header value is
// masked (a header written with a literal credential is stored, and only
// admins read it), and so is every template that reads a secret, wherever
// it is.
func (d Definition) Redacted() Definition {
	out := d
	if d.InvocationMethod.Headers != nil {
		out.InvocationMethod.Headers = maps.Clone(d.InvocationMethod.Headers)
		for k := range out.InvocationMethod.Headers {
			out.InvocationMethod.Headers[k] = secrets.Mask
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return Definition{Identifier: d.Identifier, Title: d.Title} // never shows what it cannot mask
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return Definition{Identifier: d.Identifier, Title: d.Title}
	}
	masked, _ := json.Marshal(maskSecretTemplates(tree))
	var redacted Definition
	if err := json.Unmarshal(masked, &redacted); err != nil {
		return Definition{Identifier: d.Identifier, Title: d.Title}
	}
	return redacted
}

func maskSecretTemplates(v any) any {
	switch x := v.(type) {
	case string:
		return jqtemplate.MaskSecrets(x, secrets.Mask)
	case map[string]any:
		for k, e := range x {
			x[k] = maskSecretTemplates(e)
		}
	case []any:
		for i, e := range x {
			x[i] = maskSecretTemplates(e)
		}
	}
	return v
}
