-- A member's own workspace, when it is not the installation's: a person
-- from another organisation in a Slack Connect channel, or a workspace of
-- an org-wide install. Empty otherwise. The other dialect's migration of
-- the same number makes the same change.

-- +goose Up
ALTER TABLE members ADD COLUMN home_team TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE members DROP COLUMN home_team;
