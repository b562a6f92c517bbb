-- Every saved version of an action's definition (issue #12): the editor
-- lists them with who saved each and when, diffs one against the current
-- definition and restores it. A version is written in the transaction that
-- saves the definition, so the list never misses or invents a save. Rows
-- outlive the action (no foreign key): a deleted action's history stays
-- readable, and re-creating it continues the numbering.
CREATE TABLE action_versions (
    action_identifier  text NOT NULL,
    version            integer NOT NULL CHECK (version > 0),
    -- The normalised definition as saved (actions.definition at that time).
    definition         jsonb NOT NULL,
    saved_by           uuid REFERENCES users (id) ON DELETE SET NULL,
    saved_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action_identifier, version)
);

-- The definitions saved before history was kept are each one's first version.
INSERT INTO action_versions (action_identifier, version, definition, saved_by, saved_at)
SELECT identifier, 1, definition, coalesce(updated_by, created_by), updated_at FROM actions;

---- create above / drop below ----

DROP TABLE action_versions;
