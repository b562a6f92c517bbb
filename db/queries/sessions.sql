-- name: CreateSession :exec
INSERT INTO sessions (hash, user_id, expires_at) VALUES (@hash, @user_id, @expires_at);

-- name: GetSessionUser :one
SELECT u.*
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.hash = @hash AND s.expires_at > now();

-- name: DeleteSession :exec
DELETE FROM sessions WHERE hash = @hash;

-- name: DeleteExpiredSessions :execrows
DELETE FROM sessions WHERE expires_at <= now();
