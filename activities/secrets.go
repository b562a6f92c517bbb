package activities

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway/secrets"
)

// openSecretInputs decrypts the sealed values of data.inputs for the call
// to the backend, the only place they are needed in plaintext. It returns
// the data with plaintext inputs and the plaintexts, for redaction.
func (a *Activities) openSecretInputs(data json.RawMessage) (json.RawMessage, []string, error) {
	var payload map[string]any
	if len(data) == 0 || json.Unmarshal(data, &payload) != nil {
		return data, nil, nil // not Port's payload: nothing is sealed in it
	}
	inputs, _ := payload["inputs"].(map[string]any)
	run, _ := payload["run"].(map[string]any)
	runID, _ := run["id"].(string)
	var plaintexts []string
	for name, v := range inputs {
		if !secrets.IsSealed(v) {
			continue
		}
		if a.Secrets == nil {
			// The worker's configuration is at fault, not the run.
			return nil, nil, fmt.Errorf("secret input %s: this worker has no encryption key (SLIPWAY_ENCRYPTION_KEY)", name)
		}
		plain, err := a.Secrets.OpenInput(runID, name, v.(string))
		if err != nil {
			return nil, nil, fmt.Errorf("secret %w", err)
		}
		inputs[name] = plain
		plaintexts = append(plaintexts, secretTexts(plain)...)
	}
	if plaintexts == nil {
		return data, nil, nil
	}
	out, err := json.Marshal(payload)
	return out, plaintexts, err
}

// secretTexts are the forms a secret may take in an error or a response:
// a string as is and JSON-escaped, any other value as its JSON.
func secretTexts(v any) []string {
	b, _ := json.Marshal(v)
	s, isString := v.(string)
	if !isString {
		return []string{string(b)}
	}
	if escaped := string(b[1 : len(b)-1]); escaped != s {
		return []string{s, escaped}
	}
	return []string{s}
}

// redactor replaces every secret text with the mask; the zero value (no
// secrets) changes nothing.
type redactor struct{ r *strings.Replacer }

func newRedactor(texts []string) redactor {
	// Longest first: a secret that contains another is masked whole.
	texts = slices.Clone(texts)
	slices.SortFunc(texts, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	for _, t := range texts {
		if t != "" {
			pairs = append(pairs, t, secrets.Mask)
		}
	}
	if len(pairs) == 0 {
		return redactor{}
	}
	return redactor{strings.NewReplacer(pairs...)}
}

func (r redactor) String(s string) string {
	if r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// JSON redacts a JSON document's text; masks replace text inside string
// literals, so a valid document stays valid unless a secret was a bare value.
func (r redactor) JSON(b json.RawMessage) json.RawMessage {
	if r.r == nil || b == nil {
		return b
	}
	out := json.RawMessage(r.r.Replace(string(b)))
	if !json.Valid(out) {
		return nil
	}
	return out
}
