-- Information governance: an audit log of who did what (never content), a
-- role for leads, and a mark on answers whose text the retention purge has
-- removed. The other dialect's migration of the same number makes the same
-- change.

-- +goose Up
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id  TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL,
    -- actor and subject are user ids; both are blanked when that person
    -- is forgotten, so the entry stays but no longer names them.
    actor    TEXT NOT NULL DEFAULT '',
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL DEFAULT '',
    -- detail is counts and setting names only: never story text.
    detail   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_team_idx ON audit (team_id, id);
CREATE INDEX audit_actor_idx ON audit (actor);
CREATE INDEX audit_subject_idx ON audit (subject);

ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE answers ADD COLUMN purged_at TEXT;
CREATE INDEX answers_created_idx ON answers (created_at);
CREATE INDEX reflections_started_by_idx ON reflections (started_by);

-- +goose Down
DROP INDEX reflections_started_by_idx;
DROP INDEX answers_created_idx;
ALTER TABLE answers DROP COLUMN purged_at;
ALTER TABLE members DROP COLUMN role;
DROP TABLE audit;
