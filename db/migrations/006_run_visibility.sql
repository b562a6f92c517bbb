-- Who may see a run when its action does not allow anyone to view runs:
-- the requester, its approvers (every stage's) and admins.
ALTER TABLE runs
    ADD COLUMN visible_to_all boolean NOT NULL DEFAULT true,
    ADD COLUMN approvers text[] NOT NULL DEFAULT '{}';

CREATE INDEX runs_approvers ON runs USING gin (approvers) WHERE NOT visible_to_all;

---- create above / drop below ----

DROP INDEX runs_approvers;
ALTER TABLE runs DROP COLUMN approvers, DROP COLUMN visible_to_all;
