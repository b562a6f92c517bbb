-- Entities with a timer property expire: expired_at records when.

ALTER TABLE entities ADD COLUMN expired_at timestamptz;

---- create above / drop below ----

ALTER TABLE entities DROP COLUMN expired_at;
