package frontend

import (
	"net/url"
	"strings"

	"github.com/slipwayhq/slipway"
)

// temporalUIFor is the Temporal UI's address for operators: admins see the
// link; for members it does not exist (empty), not merely unclickable.
func (s *Server) temporalUIFor(u slipway.User) string {
	if !u.IsAdmin() {
		return ""
	}
	return s.TemporalUIURL
}

// temporalWorkflowURL links a run's workflow in the Temporal UI, in the
// namespace runs are started in, for admins; empty when no UI is configured.
func (s *Server) temporalWorkflowURL(viewer slipway.User, workflowID string) string {
	if s.temporalUIFor(viewer) == "" || workflowID == "" {
		return ""
	}
	namespace := s.TemporalNamespace
	if namespace == "" {
		namespace = "default"
	}
	return strings.TrimSuffix(s.TemporalUIURL, "/") + "/namespaces/" + url.PathEscape(namespace) + "/workflows/" + url.PathEscape(workflowID)
}
