-- The approvals inbox reads who must decide from the rows alone (issue #10:
-- no query per row): each save of a run writes its current approval stage
-- and that stage's approvers, and a decision that leaves the run waiting
-- (one of ALL) is saved too. Rows saved by older versions have no stage
-- approvers (NULL): only their workflow can say, and the inbox asks it.
ALTER TABLE runs
    ADD COLUMN stage integer NOT NULL DEFAULT 0,
    ADD COLUMN stage_approvers text[];

---- create above / drop below ----

ALTER TABLE runs DROP COLUMN stage_approvers, DROP COLUMN stage;
