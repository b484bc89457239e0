-- Weekly check-ins per team, people's away and snooze dates and quoting
-- choice, and the message each answer came from (so editing or deleting the
-- message edits or withdraws the answer). The SQLite migration of the same
-- number makes the same change.

-- +goose Up
ALTER TABLE teams ADD COLUMN checkin_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN checkin_day SMALLINT NOT NULL DEFAULT 0 CHECK (checkin_day BETWEEN 0 AND 6);
ALTER TABLE teams ADD COLUMN checkin_time TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN last_checkin_at TIMESTAMPTZ;

ALTER TABLE members ADD COLUMN away_until TIMESTAMPTZ;
ALTER TABLE members ADD COLUMN snoozed_until TIMESTAMPTZ;
ALTER TABLE members ADD COLUMN no_quotes BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE answers ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
CREATE INDEX answers_message_idx ON answers (reflection_id, message_id) WHERE message_id <> '';
CREATE INDEX reflections_idle_idx ON reflections (last_activity_at) WHERE status = 'in_progress';

-- +goose Down
DROP INDEX reflections_idle_idx;
DROP INDEX answers_message_idx;
ALTER TABLE answers DROP COLUMN message_id;
ALTER TABLE members DROP COLUMN no_quotes;
ALTER TABLE members DROP COLUMN snoozed_until;
ALTER TABLE members DROP COLUMN away_until;
ALTER TABLE teams DROP COLUMN last_checkin_at;
ALTER TABLE teams DROP COLUMN checkin_time;
ALTER TABLE teams DROP COLUMN checkin_day;
ALTER TABLE teams DROP COLUMN checkin_channel;
