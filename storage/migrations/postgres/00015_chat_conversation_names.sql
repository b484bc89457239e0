-- A channel's name beside its record, so that a form can offer the team's
-- channels by name (Teams' dialogs: where a reflection goes, where the
-- weekly digest is posted). A channel's name is the team's, never a
-- person's words. The other dialect's migration of the same number makes
-- the same change.

-- +goose Up
ALTER TABLE chat_conversations ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE chat_conversations DROP COLUMN name;
