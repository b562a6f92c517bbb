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

-- name: RemoveTeamMembershipsExcept :execrows
-- Single sign-on: drops the user from every team not in identifiers, so the
-- provider's groups stay the truth about membership.
DELETE FROM team_members m
USING teams t
WHERE m.team_id = t.id
  AND m.user_id = @user_id
  AND NOT (t.identifier = ANY(@identifiers::text[]));

-- name: AddTeamMembershipsByIdentifier :execrows
-- Single sign-on: adds the user to every existing team in identifiers;
-- unknown identifiers are skipped, never created.
INSERT INTO team_members (team_id, user_id)
SELECT t.id, sqlc.arg(user_id)::uuid
FROM teams t
WHERE t.identifier = ANY(@identifiers::text[])
ON CONFLICT DO NOTHING;
