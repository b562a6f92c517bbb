package frontend

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/runs"
	"github.com/slipwayhq/slipway/selfservice"
)

// previewRun answers the execute form's Preview button (an htmx
// fragment): the form's dry run, through the same conversion of form
// values the form's submit makes (formInputs).
func (s *Server) previewRun(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	me := currentUser(r.Context())
	d, err := s.SelfService.ViewAction(r.Context(), me, r.PathValue("action"))
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	inputs, parseErrs := formInputs(r.PostForm, d)
	if id := r.PostFormValue(rerunFieldName); id != "" {
		if err := s.keepRerunSecrets(r, d, id, inputs); err != nil {
			return err
		}
	}
	dry, err := s.SelfService.DryRun(r.Context(), me, d.Identifier, strings.TrimSpace(r.PostFormValue(entityFieldName)), inputs, "", runs.OriginUI)
	var p views.Preview
	switch code := slipway.ErrorCode(err); {
	case err == nil:
		p = previewOf(dry, parseErrs)
	case code == slipway.CodeInvalid || code == slipway.CodePrecondition || code == slipway.CodePermission:
		var e *slipway.Error
		errors.As(err, &e)
		p.Error = e.Error()
	default:
		return err
	}
	return render(w, r, http.StatusOK, views.PreviewResult(p))
}

// previewOf is dry as the form shows it; parseErrs are the form values
// that did not convert, which replace what the dry run says of them.
func previewOf(dry selfservice.DryRun, parseErrs map[string]string) views.Preview {
	var p views.Preview
	errs := map[string]string{}
	for _, v := range dry.Violations {
		errs[v.Field] = v.Message
	}
	for name, msg := range parseErrs {
		errs["inputs."+name] = msg
	}
	if len(errs) > 0 {
		for _, f := range slices.Sorted(maps.Keys(errs)) {
			p.FieldErrors = append(p.FieldErrors, views.NameValue{Name: f, Value: errs[f]})
		}
		return p
	}
	for _, name := range slices.Sorted(maps.Keys(dry.Inputs)) {
		p.Inputs = append(p.Inputs, views.NameValue{Name: name, Value: displayValue(dry.Inputs[name])})
	}
	p.ApprovalWaived = dry.Approval.Waived
	if dry.Approval.Required {
		for _, st := range dry.Approval.Stages {
			p.Stages = append(p.Stages, views.PreviewStage{Title: st.Title, Quorum: st.Quorum, Approvers: st.Approvers})
		}
	}
	b := dry.Backend
	p.Backend, p.Target, p.Problem = b.Type, b.Target, b.Problem
	if req := b.Request; req != nil {
		var sb strings.Builder
		sb.WriteString(req.Method + " " + req.URL + "\n")
		for _, k := range slices.Sorted(maps.Keys(req.Headers)) {
			sb.WriteString(k + ": " + req.Headers[k] + "\n")
		}
		sb.WriteString("\n" + indented(req.Body))
		p.Request, p.Target = sb.String(), ""
	}
	if b.Message != nil {
		p.Message = indented(b.Message)
	}
	for _, k := range slices.Sorted(maps.Keys(b.Variables)) {
		p.Variables = append(p.Variables, views.NameValue{Name: k, Value: b.Variables[k]})
	}
	if b.Entity != nil {
		e, _ := json.Marshal(b.Entity)
		p.Entity = indented(e)
	}
	if b.Payload != nil {
		pl, _ := json.Marshal(b.Payload)
		p.Payload = indented(pl)
	}
	return p
}

// indented is JSON indented for reading, or b as it is when not JSON.
func indented(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}
