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
