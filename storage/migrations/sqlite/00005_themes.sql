-- Themes and digests: each answer's codes against the codebook (made by a
-- job, again only when the TEXT or the coder changes), the record of each
-- digest made (counts only, never text), and each team's digest schedule.
-- The SQLite migration of the same number makes the same change.

-- +goose Up
ALTER TABLE teams ADD COLUMN digest_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN digest_day INTEGER NOT NULL DEFAULT 1 CHECK (digest_day BETWEEN 0 AND 6);
ALTER TABLE teams ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23);

CREATE TABLE answer_codes (
    -- Deleting an answer (forget-me) deletes its codes; withdrawing or
    -- editing it deletes them in the same statement's transaction.
    answer_id      INTEGER PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    team_id        TEXT NOT NULL,
    coder          TEXT NOT NULL,
    coder_version  TEXT NOT NULL,
    text_hash      TEXT NOT NULL,
    relationships  TEXT NOT NULL CHECK (relationships IN ('toward', 'away', 'none')),
    stories        TEXT NOT NULL CHECK (stories IN ('toward', 'away', 'none')),
    community      TEXT NOT NULL CHECK (community IN ('toward', 'away', 'none')),
    anticipation   TEXT NOT NULL CHECK (anticipation IN ('toward', 'away', 'none')),
    capabilities   TEXT NOT NULL DEFAULT '',
    -- key phrases with their quotes, as JSON: words of the answer, so
    -- they go with it
    phrases        TEXT NOT NULL DEFAULT '[]',
    fallback       INTEGER NOT NULL DEFAULT 0 CHECK (fallback IN (0, 1)),
    dropped_quotes INTEGER NOT NULL DEFAULT 0,
    coded_at       TEXT NOT NULL
) STRICT;
CREATE INDEX answer_codes_team_idx ON answer_codes (team_id);

CREATE TABLE digests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id      TEXT NOT NULL REFERENCES teams (id),
    week_key     TEXT NOT NULL DEFAULT '',
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    weeks        INTEGER NOT NULL,
    channel      TEXT NOT NULL DEFAULT '',
    coder        TEXT NOT NULL DEFAULT '',
    -- counts only, as JSON; never story TEXT
    summary      TEXT NOT NULL DEFAULT '{}',
    on_demand_by TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    posted_at    TEXT,
    message_id   TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE UNIQUE INDEX digests_week_key ON digests (team_id, week_key) WHERE week_key <> '';
CREATE INDEX digests_team_idx ON digests (team_id, id);

-- +goose Down
DROP TABLE digests;
DROP TABLE answer_codes;
ALTER TABLE teams DROP COLUMN digest_hour;
ALTER TABLE teams DROP COLUMN digest_day;
ALTER TABLE teams DROP COLUMN digest_channel;
