-- name: CreateAPIToken :one
INSERT INTO api_tokens (user_id, name, prefix, hash, expires_at)
VALUES (@user_id, @name, @prefix, @hash, @expires_at)
RETURNING *;

-- name: GetActiveAPIToken :one
-- The token row and its user with the user's teams (id, identifier, name;
-- by identifier), when the token is neither revoked nor expired: every API
-- call authenticates with this one query.
SELECT sqlc.embed(t), sqlc.embed(u),
  COALESCE((SELECT jsonb_agg(jsonb_build_object('id', tm.id, 'identifier', tm.identifier, 'name', tm.name) ORDER BY tm.identifier)
            FROM teams tm JOIN team_members m ON m.team_id = tm.id
            WHERE m.user_id = u.id), '[]')::jsonb AS teams
FROM api_tokens t
JOIN users u ON u.id = t.user_id
WHERE t.hash = @hash
  AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now());

-- name: TouchAPIToken :exec
-- Records use at most once a minute, so authentication does not write on every call.
UPDATE api_tokens SET last_used_at = now()
WHERE id = @id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');

-- name: ListAPITokensOfUser :many
SELECT * FROM api_tokens WHERE user_id = @user_id ORDER BY created_at DESC;

-- name: RevokeAPIToken :execrows
-- user_id is NULL when an admin (or the CLI) revokes any user's token.
UPDATE api_tokens SET revoked_at = now()
WHERE id = @id
  AND revoked_at IS NULL
  AND (sqlc.narg(user_id)::uuid IS NULL OR user_id = sqlc.narg(user_id)::uuid);
