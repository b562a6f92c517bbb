-- name: UpsertUser :one
INSERT INTO users (email, name, role)
VALUES (@email, @name, @role)
ON CONFLICT ((lower(email))) DO UPDATE
SET name = EXCLUDED.name, role = EXCLUDED.role, updated_at = now()
RETURNING *;

-- name: GetUser :one
SELECT * FROM users WHERE id = @id;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE lower(email) = lower(@email);

-- name: ListUsers :many
SELECT * FROM users ORDER BY name, email;

-- name: ListUsersByRole :many
SELECT * FROM users WHERE role = @role ORDER BY email;

-- name: ListUsersInTeams :many
SELECT DISTINCT u.*
FROM users u
JOIN team_members m ON m.user_id = u.id
JOIN teams t ON t.id = m.team_id
WHERE t.identifier = ANY(@identifiers::text[])
ORDER BY u.email;
