package frontend

import (
	"net/url"
	"strings"
)

// temporalWorkflowURL links a run's workflow in the Temporal UI, in the
// namespace runs are started in; empty when no UI is configured.
func (s *Server) temporalWorkflowURL(workflowID string) string {
	if s.TemporalUIURL == "" || workflowID == "" {
		return ""
	}
	namespace := s.TemporalNamespace
	if namespace == "" {
		namespace = "default"
	}
	return strings.TrimSuffix(s.TemporalUIURL, "/") + "/namespaces/" + url.PathEscape(namespace) + "/workflows/" + url.PathEscape(workflowID)
}
