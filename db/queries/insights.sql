-- The Insights page: run statistics computed in PostgreSQL over the runs a
-- viewer may see (as ListRuns decides: a null viewer, an admin, sees every
-- run) created since @since. Durations are in seconds.

-- name: InsightsRunsPerDay :many
-- Runs started per UTC day and their current status.
SELECT (date_trunc('day', created_at AT TIME ZONE 'UTC'))::date AS day, status, count(*) AS runs
FROM runs
WHERE created_at >= @since
  AND (sqlc.narg(viewer_id)::uuid IS NULL OR visible_to_all
       OR requested_by = sqlc.narg(viewer_id)::uuid OR sqlc.narg(viewer_email)::text = ANY (approvers))
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: InsightsActionOutcomes :many
-- Per action, of its ended runs: how many, how many succeeded, and the
-- median and 95th percentile of start-to-end time.
SELECT action_identifier,
       count(*) AS ended,
       count(*) FILTER (WHERE status = 'SUCCESS') AS succeeded,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - created_at)))::float8 AS p50_seconds,
       (percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - created_at)))::float8 AS p95_seconds
FROM runs
WHERE created_at >= @since AND ended_at IS NOT NULL
  AND (sqlc.narg(viewer_id)::uuid IS NULL OR visible_to_all
       OR requested_by = sqlc.narg(viewer_id)::uuid OR sqlc.narg(viewer_email)::text = ANY (approvers))
GROUP BY action_identifier
ORDER BY ended DESC, action_identifier
LIMIT @max_actions;

-- name: InsightsApprovalWaits :many
-- Per action, how long its decided runs waited for their approvals: from
-- the run's start to its last decision (every stage's wait, summed). Runs
-- still waiting (a stage that needs every approver) are not decided yet.
WITH decided AS (
    SELECT r.action_identifier,
           extract(epoch FROM max((d.value ->> 'at')::timestamptz) - r.created_at) AS wait
    FROM runs r CROSS JOIN LATERAL jsonb_array_elements(r.approvals) AS d(value)
    WHERE r.created_at >= @since AND r.status <> 'WAITING_FOR_APPROVAL' AND jsonb_typeof(r.approvals) = 'array'
      AND (sqlc.narg(viewer_id)::uuid IS NULL OR r.visible_to_all
           OR r.requested_by = sqlc.narg(viewer_id)::uuid OR sqlc.narg(viewer_email)::text = ANY (r.approvers))
    GROUP BY r.id, r.action_identifier, r.created_at
)
SELECT action_identifier,
       count(*) AS decided,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY wait))::float8 AS p50_seconds,
       (percentile_cont(0.95) WITHIN GROUP (ORDER BY wait))::float8 AS p95_seconds,
       max(wait)::float8 AS max_seconds
FROM decided
GROUP BY action_identifier
ORDER BY p95_seconds DESC, action_identifier
LIMIT @max_actions;

-- name: InsightsSlowestBackends :many
-- Backends (the invocation method, and the host of a webhook's URL) by the
-- 95th percentile of the time they took: from the last decision (or the
-- start, when none was needed) to the end, of ended runs.
WITH worked AS (
    SELECT concat_ws(' ', r.definition -> 'invocationMethod' ->> 'type',
                     substring(r.definition -> 'invocationMethod' ->> 'url' FROM '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]+)')) AS backend,
           extract(epoch FROM r.ended_at - GREATEST(r.created_at,
               COALESCE((SELECT max((d.value ->> 'at')::timestamptz) FROM jsonb_array_elements(
                   CASE WHEN jsonb_typeof(r.approvals) = 'array' THEN r.approvals ELSE '[]'::jsonb END) AS d(value)), r.created_at))) AS took
    FROM runs r
    WHERE r.created_at >= @since AND r.ended_at IS NOT NULL AND r.status IN ('SUCCESS', 'FAILURE')
      AND (sqlc.narg(viewer_id)::uuid IS NULL OR r.visible_to_all
           OR r.requested_by = sqlc.narg(viewer_id)::uuid OR sqlc.narg(viewer_email)::text = ANY (r.approvers))
)
SELECT COALESCE(NULLIF(backend, ''), 'unknown')::text AS backend,
       count(*) AS runs,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY took))::float8 AS p50_seconds,
       (percentile_cont(0.95) WITHIN GROUP (ORDER BY took))::float8 AS p95_seconds
FROM worked
GROUP BY 1
ORDER BY p95_seconds DESC, backend
LIMIT @max_backends;
