-- name: InsertNotification :exec
INSERT INTO notifications (user_id, run_id, event, title, body)
SELECT u.id, @run_id, @event, @title, @body
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
