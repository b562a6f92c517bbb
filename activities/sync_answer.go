package activities

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/slipwayhq/slipway"
	textrule "github.com/slipwayhq/slipway/text"
)

// syncAnswerFields are the Port run fields a synchronous backend's answer
// may carry; the run workflow applies them (applySyncResult).
var syncAnswerFields = []string{"status", "statusLabel", "summary", "externalRunId"}

// checkSyncAnswer applies the text rule to the run fields of a synchronous
// backend's answer, so that a bad value fails the run, saying which field,
// instead of reaching the run row (and an activity that retries for ever).
func checkSyncAnswer(body json.RawMessage) error {
	if len(body) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		return slipway.FieldError("body", "must be valid UTF-8")
	}
	var answer map[string]any
	if json.Unmarshal(body, &answer) != nil {
		return nil // not an object: it carries no run fields
	}
	for _, field := range syncAnswerFields {
		if s, ok := answer[field].(string); ok {
			if err := textrule.Check(field, textrule.KindOf(field), s); err != nil {
				return err
			}
		}
	}
	// As applySyncResult reads it: a URL or a list; empty and non-string entries are skipped.
	switch link := answer["link"].(type) {
	case string:
		if link != "" {
			return textrule.CheckLink("link", link)
		}
	case []any:
		for i, e := range link {
			if s, ok := e.(string); ok && s != "" {
				if err := textrule.CheckLink(fmt.Sprintf("link[%d]", i), s); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
