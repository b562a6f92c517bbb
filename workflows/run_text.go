package workflows

import (
	"errors"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/text"
)

// The update validators' last line of defence: the edges check every string
// already (package text), but an update that reached the workflow with a
// NUL byte, invalid UTF-8, an over-long value or a javascript: link would
// be stored by an activity that then fails for ever. These checks are pure
// functions of the request, so they are deterministic.

// refuseText is the first refusal among checks as the validators' invalid
// error; its details carry the field, so the API names it.
func refuseText(checks ...error) error {
	for _, err := range checks {
		var e *slipway.Error
		if errors.As(err, &e) {
			return runs.Refuse(e)
		}
	}
	return nil
}

func checkOptional(field string, kind text.Kind, s *string) error {
	if s == nil {
		return nil
	}
	return text.Check(field, kind, *s)
}

func reportText(req runs.ReportRequest) error {
	var links error
	if req.Links != nil {
		links = text.CheckLinks("link", *req.Links)
	}
	return refuseText(
		text.Check("status", text.Identifier, string(req.Status)),
		checkOptional("statusLabel", text.Description, req.StatusLabel),
		links,
		checkOptional("summary", text.Description, req.Summary),
		checkOptional("externalRunId", text.Identifier, req.ExternalRunID),
	)
}

func logText(req runs.LogRequest) error {
	return refuseText(
		text.Check("message", text.LogMessage, req.Message),
		text.Check("terminationStatus", text.Identifier, string(req.TerminationStatus)),
		text.Check("statusLabel", text.Description, req.StatusLabel),
		text.Check("idempotencyKey", text.Identifier, req.IdempotencyKey),
	)
}

func reasonText(reason string) error {
	return refuseText(text.Check("reason", text.Description, reason))
}
