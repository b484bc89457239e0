-- Reflections in progress are found by an index on their status alone, not
-- on their last activity: every reply moves last_activity_at, and while a
-- column of an index changes PostgreSQL must write a new entry in every
-- index of the table (no heap-only update). The check-in sweep filters and
-- sorts the few reflections in progress itself. The other dialect's
-- migration of the same number makes the same change.

-- +goose Up
DROP INDEX reflections_idle_idx;
CREATE INDEX reflections_in_progress_idx ON reflections (id) WHERE status = 'in_progress';

-- +goose Down
DROP INDEX reflections_in_progress_idx;
CREATE INDEX reflections_idle_idx ON reflections (last_activity_at) WHERE status = 'in_progress';
