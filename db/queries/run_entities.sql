-- name: AddRunEntity :exec
INSERT INTO run_entities (run_id, blueprint, identifier, operation)
VALUES (@run_id, @blueprint, @identifier, @operation)
ON CONFLICT (run_id, blueprint, identifier, operation) DO UPDATE SET at = now();

-- name: ListRunEntities :many
SELECT * FROM run_entities WHERE run_id = @run_id ORDER BY at, blueprint, identifier;
