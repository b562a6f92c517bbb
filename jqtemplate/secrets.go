package jqtemplate

import (
	"regexp"
	"slices"
	"strings"
)

// SecretsKey is where templates read named secrets: {{ .secrets.NAME }}
// (Port's syntax).
const SecretsKey = "secrets"

// SecretName is the rule for a secret's name: a jq identifier, so that
// {{ .secrets.NAME }} reads it.
var SecretName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,99}$`)

// SecretNameRule says SecretName in words, for errors.
const SecretNameRule = "must start with a letter or _ and hold only letters, digits and _ (at most 100), as {{ .secrets.NAME }} reads it"

// secretUse is one mention of .secrets in an expression and what follows:
// .secrets.NAME or .secrets["NAME"] name a secret; anything else reads
// .secrets as a whole or by a computed name, which cannot be resolved.
var secretUse = regexp.MustCompile(`\.secrets\b(?:\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)|\s*\[\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\])?`)

// secretUses returns, for each mention of the scope's .secrets in a jq
// expression, the secret it names ("" when it names none). A mention
// after a name, index or parenthesis (.inputs.secrets, .[0].secrets,
// $x.secrets) is a field of something else, not the scope's secrets.
func secretUses(src string) []string {
	var out []string
	for _, m := range secretUse.FindAllStringSubmatchIndex(src, -1) {
		if m[0] > 0 && strings.ContainsRune(`abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.])"?$`, rune(src[m[0]-1])) {
			continue
		}
		name := ""
		switch {
		case m[2] >= 0:
			name = src[m[2]:m[3]]
		case m[4] >= 0:
			name = src[m[4]:m[5]]
		}
		out = append(out, name)
	}
	return out
}

// SecretRef is a secret a template names, at the path of the string.
type SecretRef struct {
	Path, Name string
}

// SecretRefs lists the secrets the templates in v (a string, JSON-shaped
// values, or anything that marshals to JSON) name, in path order, and the paths whose templates read .secrets
// in a way that names no single secret (.secrets alone, .secrets[$x]):
// only named secrets are loaded for a call, so those are refused.
func SecretRefs(v any, path string) (refs []SecretRef, unnamed []string) {
	walk(normalise(v), path, func(p, s string) {
		for _, m := range expr.FindAllStringSubmatch(s, -1) {
			for _, name := range secretUses(m[1]) {
				switch name {
				case "":
					unnamed = append(unnamed, where(p))
				default:
					refs = append(refs, SecretRef{Path: where(p), Name: name})
				}
			}
		}
	})
	slices.SortFunc(refs, func(a, b SecretRef) int { return strings.Compare(a.Path+"\x00"+a.Name, b.Path+"\x00"+b.Name) })
	refs = slices.Compact(refs)
	slices.Sort(unnamed)
	return refs, slices.Compact(unnamed)
}

// SecretNames are the distinct names among refs, sorted.
func SecretNames(refs []SecretRef) []string {
	names := make([]string, 0, len(refs))
	for _, r := range refs {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// MaskSecrets replaces every template of s that reads .secrets with mask,
// so that a definition shown to non-admins says where a secret goes, not
// which expression reads it.
func MaskSecrets(s, mask string) string {
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		if len(secretUses(expr.FindStringSubmatch(m)[1])) > 0 {
			return mask
		}
		return m
	})
}
