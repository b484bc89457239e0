-- The first schema: teams and their members, cases, reflections and their
-- answers, and the inbox of Slack deliveries. The PostgreSQL migration of the
-- same number creates the same tables and columns; keep the two in step.
--
-- Tables are STRICT, so a value of the wrong type is refused rather than kept.
-- Times are TEXT in the fixed-width form 2006-01-02T15:04:05.000000Z (see
-- dialect.go), booleans are INTEGER 0 or 1, ids are INTEGER PRIMARY KEY
-- AUTOINCREMENT so that, as with PostgreSQL identities, an id is never reused.

-- +goose Up
CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    timezone   TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE members (
    team_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    discipline TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
) STRICT;

CREATE TABLE cases (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL REFERENCES teams (id),
    label      TEXT NOT NULL,
    -- label_key is lower(label), computed in Go so that both databases fold
    -- letter case the same way.
    label_key  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT cases_label_key UNIQUE (team_id, label_key)
) STRICT;

CREATE TABLE reflections (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id            TEXT NOT NULL,
    case_id            INTEGER REFERENCES cases (id),
    template           TEXT NOT NULL,
    status             TEXT NOT NULL
        CHECK (status IN ('in_progress', 'complete', 'abandoned')),
    channel            TEXT NOT NULL,
    thread             TEXT NOT NULL DEFAULT '',
    started_by         TEXT NOT NULL,
    stage              TEXT NOT NULL DEFAULT '',
    -- follow_ups is a JSON array of stage keys.
    follow_ups         TEXT NOT NULL DEFAULT '[]',
    awaiting_follow_up INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_follow_up IN (0, 1)),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    last_activity_at   TEXT NOT NULL,
    nudged_at          TEXT,
    closed_at          TEXT
) STRICT;
CREATE UNIQUE INDEX reflections_thread_key ON reflections (team_id, channel, thread) WHERE thread <> '';
CREATE INDEX reflections_team_idx ON reflections (team_id, created_at);
CREATE INDEX reflections_channel_idx ON reflections (team_id, channel, status);
CREATE INDEX reflections_case_idx ON reflections (case_id);

CREATE TABLE answers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reflection_id INTEGER NOT NULL REFERENCES reflections (id) ON DELETE CASCADE,
    team_id       TEXT NOT NULL,
    stage         TEXT NOT NULL,
    author        TEXT NOT NULL,
    discipline    TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL DEFAULT '',
    follow_up     INTEGER NOT NULL DEFAULT 0 CHECK (follow_up IN (0, 1)),
    created_at    TEXT NOT NULL,
    edited_at     TEXT,
    withdrawn_at  TEXT
) STRICT;
CREATE INDEX answers_reflection_idx ON answers (reflection_id);
CREATE INDEX answers_team_idx ON answers (team_id);
CREATE INDEX answers_author_idx ON answers (author);

CREATE TABLE inbox (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      BLOB,
    received_at  TEXT NOT NULL,
    processed_at TEXT
) STRICT;
CREATE INDEX inbox_unprocessed_idx ON inbox (received_at) WHERE processed_at IS NULL;

-- +goose Down
DROP TABLE inbox;
DROP TABLE answers;
DROP TABLE reflections;
DROP TABLE cases;
DROP TABLE members;
DROP TABLE teams;
