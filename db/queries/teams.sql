-- name: UpsertTeam :one
INSERT INTO teams (identifier, name)
VALUES (@identifier, @name)
ON CONFLICT (identifier) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: AddTeamMember :exec
INSERT INTO team_members (team_id, user_id)
VALUES (@team_id, @user_id)
ON CONFLICT DO NOTHING;

-- name: ListTeamsOfUser :many
SELECT t.*
FROM teams t
JOIN team_members m ON m.team_id = t.id
WHERE m.user_id = @user_id
ORDER BY t.identifier;

-- name: GetTeam :one
SELECT * FROM teams WHERE identifier = @identifier;

-- name: ListTeams :many
SELECT * FROM teams ORDER BY identifier;
