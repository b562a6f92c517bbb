package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
	"github.com/slipwayhq/slipway/runs"
)

// refusedWrite says whether err is an activity's write that the database
// refused for good (activities scrub what a request put in, so what is left
// cannot pass on a retry), and whether this run goes on past it. Runs whose
// histories were recorded before this existed failed their workflow
// instead; asked only when it happens, so their replays never reach it.
func refusedWrite(ctx workflow.Context, err error) (string, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeStorageRefused {
		return "", false
	}
	if workflow.GetVersion(ctx, "refused-writes", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return "", false
	}
	return appErr.Message(), true
}

// logsRefused gives up a batch of log lines the database refused: the run
// goes on, and its saved label says which lines are missing (kept apart
// from the label, which a backend may still replace).
func (r *run) logsRefused(ctx workflow.Context, batch []runs.LogLine, reason string) error {
	lines := fmt.Sprintf("log line %d", batch[0].Seq)
	if n := len(batch); n > 1 {
		lines = fmt.Sprintf("log lines %d-%d", batch[0].Seq, batch[n-1].Seq)
	}
	workflow.GetLogger(ctx).Error("log lines given up", "lines", lines, "reason", reason)
	r.s.StorageNotes = append(r.s.StorageNotes, lines+" could not be stored: "+reason)
	return r.changed(ctx)
}

// savedLabel is the status label the run row gets: the workflow's, with
// what could not be stored.
func (r *run) savedLabel() string {
	return labelWithNote(r.s.StatusLabel, strings.Join(r.s.StorageNotes, "; "))
}

// deletionRefused fails a DELETE run whose entity the database refused to
// delete: the backend's success did not reach the catalog.
func (r *run) deletionRefused(ctx workflow.Context, reason string) error {
	r.s.Status = runs.StatusFailure
	r.s.StatusLabel = labelWithNote(r.s.StatusLabel, "the entity could not be deleted: "+reason)
	return r.changed(ctx)
}

func labelWithNote(label, note string) string {
	if note == "" {
		return label
	}
	if label == "" {
		return note
	}
	return label + " (" + note + ")"
}
