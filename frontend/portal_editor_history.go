package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/frontend/views"
)

// A definition's history on the editor page: its saved versions, a diff of
// one against the current definition (lines of the indented JSON, both
// read through actions.Parse so that field order is the same), and
// restore, which saves the version again (selfservice.RestoreActionVersion).

func (s *Server) editorVersions(r *http.Request, identifier string) ([]views.EditorVersion, error) {
	list, err := s.SelfService.ActionVersions(r.Context(), currentUser(r.Context()), identifier)
	if err != nil {
		return nil, err
	}
	out := make([]views.EditorVersion, len(list))
	for i, v := range list {
		out[i] = editorVersion(identifier, v.Version, v.SavedBy, v.SavedAt)
		out[i].Current = i == 0
	}
	return out, nil
}

func editorVersion(identifier string, version int32, savedBy string, savedAt time.Time) views.EditorVersion {
	if savedBy == "" {
		savedBy = "(a removed user)"
	}
	return views.EditorVersion{Version: version, SavedBy: savedBy, SavedAt: savedAt, Action: identifier,
		DiffURL: fmt.Sprintf("/actions/%s/versions/%d", url.PathEscape(identifier), version)}
}

// versionOfPath is the {action} and {version} of an admin's request.
func versionOfPath(r *http.Request) (identifier string, version int32, err error) {
	if err := requireAdminPage(r); err != nil {
		return "", 0, err
	}
	v, err := strconv.ParseInt(r.PathValue("version"), 10, 32)
	if err != nil || v < 1 {
		return "", 0, slipway.Errorf(slipway.CodeNotFound, "version %q not found", r.PathValue("version"))
	}
	return r.PathValue("action"), int32(v), nil
}

func (s *Server) versionDiffPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	identifier, version, err := versionOfPath(r)
	if err != nil {
		return err
	}
	v, err := s.SelfService.ActionVersionOf(r.Context(), currentUser(r.Context()), identifier, version)
	if err != nil {
		return err
	}
	current, err := s.SelfService.GetAction(r.Context(), identifier)
	if err != nil {
		return err
	}
	old, err := actions.Parse(v.Definition)
	if err != nil {
		return err // saved versions were valid when written
	}
	before, now := prettyDefinition(old), prettyDefinition(current)
	versions, err := s.editorVersions(r, identifier)
	if err != nil {
		return err
	}
	d := views.VersionDiff{Action: identifier, Version: editorVersion(identifier, version, "", v.SavedAt), Same: before == now}
	for _, listed := range versions {
		if listed.Version == version {
			d.Version = listed
		}
	}
	if !d.Same {
		d.Lines = lineDiff(before, now)
	}
	shell.Title, shell.Active = fmt.Sprintf("Version %d of %s", version, identifier), "actions"
	return render(w, r, http.StatusOK, views.VersionDiffPage(shell, d))
}

// restoreVersion saves a version again; when a save would now refuse it
// (a blueprint or secret it names is gone), the editor opens on it with
// the problems, to be fixed and saved.
func (s *Server) restoreVersion(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	identifier, version, err := versionOfPath(r)
	if err != nil {
		return err
	}
	me := currentUser(r.Context())
	_, err = s.SelfService.RestoreActionVersion(r.Context(), me, identifier, version)
	if slipway.ErrorCode(err) == slipway.CodeInvalid {
		v, verr := s.SelfService.ActionVersionOf(r.Context(), me, identifier, version)
		if verr != nil {
			return verr
		}
		old, perr := actions.Parse(v.Definition)
		if perr != nil {
			return err
		}
		e := views.ActionEditor{Original: identifier, Definition: prettyDefinition(old)}
		if _, gone := s.SelfService.GetAction(r.Context(), identifier); gone != nil {
			e.Original = "" // deleted: saving the fixed version creates it
		}
		return s.renderEditor(w, r, shell, http.StatusUnprocessableEntity, e, err)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/actions/%s/edit?restored=%d", url.PathEscape(identifier), version), http.StatusSeeOther)
	return nil
}
