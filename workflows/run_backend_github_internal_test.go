package workflows

import (
	"testing"

	"github.com/slipwayhq/slipway/runs"
)

// Port's mapping: success, skipped and neutral succeed; every other
// conclusion fails with the conclusion as the label.
func TestGitHubConclusionMapping(t *testing.T) {
	for conclusion, want := range map[string]runs.Status{
		"success": runs.StatusSuccess, "skipped": runs.StatusSuccess, "neutral": runs.StatusSuccess,
		"failure": runs.StatusFailure, "cancelled": runs.StatusFailure, "timed_out": runs.StatusFailure,
		"action_required": runs.StatusFailure, "startup_failure": runs.StatusFailure, "stale": runs.StatusFailure, "": runs.StatusFailure,
	} {
		status, label := gitHubConclusion(conclusion)
		if status != want || label == "" || want == runs.StatusFailure && conclusion != "" && label != conclusion {
			t.Errorf("%q: %s %q", conclusion, status, label)
		}
	}
}
