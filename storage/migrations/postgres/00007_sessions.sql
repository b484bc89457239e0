-- Learning sessions: a facilitator role beside the lead role, a team choice
-- to name people in a session's synthesis, the sessions themselves, the
-- replies and agreed actions said in their threads, the digest quotes a
-- session was seeded with, and recurring session schedules. The other
-- dialect's migration of the same number makes the same change.

-- +goose Up
-- A boolean beside role, so one person may be both a lead and a facilitator.
ALTER TABLE members ADD COLUMN facilitator BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE teams ADD COLUMN session_names BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE session_schedules (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id        TEXT NOT NULL REFERENCES teams (id),
    channel        TEXT NOT NULL,
    facilitator    TEXT NOT NULL DEFAULT '',
    template       TEXT NOT NULL,
    every_weeks    INTEGER NOT NULL CHECK (every_weeks BETWEEN 1 AND 12),
    weekday        SMALLINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    clock          TEXT NOT NULL,
    minutes        INTEGER NOT NULL,
    timed          BOOLEAN NOT NULL DEFAULT TRUE,
    next_at        TIMESTAMPTZ NOT NULL,
    -- reminded_for is the next_at the day-before reminder was posted for.
    reminded_for   TIMESTAMPTZ,
    -- due_at is the earliest time the schedule has something to do.
    due_at         TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX session_schedules_channel_key ON session_schedules (team_id, channel);
CREATE INDEX session_schedules_due_idx ON session_schedules (due_at);

CREATE TABLE sessions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id        TEXT NOT NULL REFERENCES teams (id),
    channel        TEXT NOT NULL,
    thread         TEXT NOT NULL DEFAULT '',
    facilitator    TEXT NOT NULL DEFAULT '',
    template       TEXT NOT NULL,
    -- subject is a case pseudonym or a theme's label.
    subject        TEXT NOT NULL DEFAULT '',
    minutes        INTEGER NOT NULL CHECK (minutes > 0),
    timed          BOOLEAN NOT NULL DEFAULT TRUE,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'running', 'paused', 'ended')),
    stage          TEXT NOT NULL DEFAULT '',
    stage_deadline TIMESTAMPTZ,
    -- warned_for is the deadline whose one-minute warning was posted.
    warned_for     TIMESTAMPTZ,
    ends_at        TIMESTAMPTZ,
    paused_at      TIMESTAMPTZ,
    -- due_at is the earliest time the session has something to do; NULL
    -- when nothing is (paused, ended, not yet posted).
    due_at         TIMESTAMPTZ,
    schedule_id    BIGINT,
    outcome        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    started_at     TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ NOT NULL,
    ended_at       TIMESTAMPTZ
);
CREATE UNIQUE INDEX sessions_thread_key ON sessions (team_id, channel, thread) WHERE thread <> '';
CREATE INDEX sessions_channel_idx ON sessions (team_id, channel, status);
CREATE INDEX sessions_due_idx ON sessions (due_at) WHERE due_at IS NOT NULL;

-- Quotes from a digest theme a session was seeded with: deleting the answer
-- (forget-me) deletes the quote.
CREATE TABLE session_quotes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    answer_id   BIGINT REFERENCES answers (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    discipline  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX session_quotes_session_idx ON session_quotes (session_id);
CREATE INDEX session_quotes_answer_idx ON session_quotes (answer_id);

CREATE TABLE session_replies (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    team_id     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    author      TEXT NOT NULL,
    discipline  TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    purged_at   TIMESTAMPTZ
);
CREATE INDEX session_replies_session_idx ON session_replies (session_id, id);
CREATE INDEX session_replies_author_idx ON session_replies (author);
CREATE INDEX session_replies_created_idx ON session_replies (created_at);

CREATE TABLE session_actions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    team_id     TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT '',
    author      TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL DEFAULT '',
    -- due is a calendar date, YYYY-MM-DD in the team's timezone, or ''.
    due         TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL DEFAULT '',
    done_at     TIMESTAMPTZ,
    done_by     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    purged_at   TIMESTAMPTZ
);
CREATE INDEX session_actions_session_idx ON session_actions (session_id, id);
CREATE INDEX session_actions_team_idx ON session_actions (team_id, created_at);
CREATE INDEX session_actions_owner_idx ON session_actions (team_id, owner);
CREATE INDEX session_actions_author_idx ON session_actions (author);

-- +goose Down
DROP TABLE session_actions;
DROP TABLE session_replies;
DROP TABLE session_quotes;
DROP TABLE sessions;
DROP TABLE session_schedules;
ALTER TABLE teams DROP COLUMN session_names;
ALTER TABLE members DROP COLUMN facilitator;
