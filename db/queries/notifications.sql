-- name: InsertNotification :exec
-- An "approval needed" notice recorded after its stage was decided (the
-- notice goes out in the background) is stored read: nothing waits.
INSERT INTO notifications (user_id, run_id, event, title, body, read_at)
SELECT u.id, @run_id, @event, @title, @body,
       CASE WHEN EXISTS (SELECT 1 FROM runs r WHERE r.id = @run_id AND starts_with(@event::text, 'waiting/')
                         AND (r.status <> 'WAITING_FOR_APPROVAL' OR @event::text <> 'waiting/' || r.stage))
            THEN now() END
FROM users u
WHERE lower(u.email) = lower(@email)
ON CONFLICT (user_id, run_id, event) DO NOTHING;

-- name: ListNotifications :many
SELECT * FROM notifications
WHERE user_id = @user_id
  AND (sqlc.narg(before_id)::bigint IS NULL OR id < sqlc.narg(before_id)::bigint)
ORDER BY id DESC
LIMIT @page_size;

-- name: CountUnreadNotifications :one
SELECT count(*) FROM notifications WHERE user_id = @user_id AND read_at IS NULL;

-- name: MarkNotificationsRead :execrows
UPDATE notifications SET read_at = now() WHERE user_id = @user_id AND read_at IS NULL;

-- name: ClearDecidedApprovalNotices :execrows
-- Marks read the run's "approval needed" notices ("waiting/<stage>") whose
-- stage is decided, by anyone: the run left it, or no longer waits at all.
UPDATE notifications n SET read_at = now()
FROM runs r
WHERE r.id = @run_id AND n.run_id = r.id AND n.read_at IS NULL AND starts_with(n.event, 'waiting/')
  AND (r.status <> 'WAITING_FOR_APPROVAL' OR n.event <> 'waiting/' || r.stage);
