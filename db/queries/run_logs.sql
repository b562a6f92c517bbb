-- name: InsertRunLogs :exec
-- A batch of lines; replaying the same batch (an activity retry) is a no-op.
INSERT INTO run_logs (run_id, seq, message, created_at)
SELECT @run_id::uuid, unnest(@seqs::bigint[]), unnest(@messages::text[]), unnest(@times::timestamptz[])
ON CONFLICT (run_id, seq) DO NOTHING;

-- name: ListRunLogs :many
SELECT seq, message, created_at FROM run_logs
WHERE run_id = @run_id AND seq > @after_seq
ORDER BY seq
LIMIT @max_lines;

-- name: ListRunLogsBefore :many
-- The lines just before before_seq, newest first: a reader scrolling back
-- from the end pages with this (callers put them back in order).
SELECT seq, message, created_at FROM run_logs
WHERE run_id = @run_id AND seq < @before_seq
ORDER BY seq DESC
LIMIT @max_lines;
