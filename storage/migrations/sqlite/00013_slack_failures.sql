-- Slack's failures (500s, network errors) back the bot off per method and
-- workspace, across every instance: beside the time the next call of a
-- method may go (next_ms), how many failures in a row the method has met,
-- which doubles the wait after each. Holds nothing a person wrote.
-- The other dialect's migration of the same number makes the same change.

-- +goose Up
ALTER TABLE slack_limits ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE slack_limits DROP COLUMN failures;
