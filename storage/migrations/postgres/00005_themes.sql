-- Themes and digests: each answer's codes against the codebook (made by a
-- job, again only when the text or the coder changes), the record of each
-- digest made (counts only, never text), and each team's digest schedule.
-- The SQLite migration of the same number makes the same change.

-- +goose Up
ALTER TABLE teams ADD COLUMN digest_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN digest_day SMALLINT NOT NULL DEFAULT 1 CHECK (digest_day BETWEEN 0 AND 6);
ALTER TABLE teams ADD COLUMN digest_hour SMALLINT NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23);

CREATE TABLE answer_codes (
    -- Deleting an answer (forget-me) deletes its codes; withdrawing or
    -- editing it deletes them in the same statement's transaction.
    answer_id      bigint PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    team_id        text NOT NULL,
    coder          text NOT NULL,
    coder_version  text NOT NULL,
    text_hash      text NOT NULL,
    relationships  text NOT NULL CHECK (relationships IN ('toward', 'away', 'none')),
    stories        text NOT NULL CHECK (stories IN ('toward', 'away', 'none')),
    community      text NOT NULL CHECK (community IN ('toward', 'away', 'none')),
    anticipation   text NOT NULL CHECK (anticipation IN ('toward', 'away', 'none')),
    capabilities   text NOT NULL DEFAULT '',
    -- key phrases with their quotes, as JSON: words of the answer, so
    -- they go with it
    phrases        text NOT NULL DEFAULT '[]',
    fallback       boolean NOT NULL DEFAULT FALSE,
    dropped_quotes integer NOT NULL DEFAULT 0,
    coded_at       timestamptz NOT NULL
);
CREATE INDEX answer_codes_team_idx ON answer_codes (team_id);

CREATE TABLE digests (
    id           bigserial PRIMARY KEY,
    team_id      text NOT NULL REFERENCES teams (id),
    week_key     text NOT NULL DEFAULT '',
    period_from  timestamptz NOT NULL,
    period_to    timestamptz NOT NULL,
    weeks        integer NOT NULL,
    channel      text NOT NULL DEFAULT '',
    coder        text NOT NULL DEFAULT '',
    -- counts only, as JSON; never story text
    summary      text NOT NULL DEFAULT '{}',
    on_demand_by text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    posted_at    timestamptz,
    message_id   text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX digests_week_key ON digests (team_id, week_key) WHERE week_key <> '';
CREATE INDEX digests_team_idx ON digests (team_id, id);

-- +goose Down
DROP TABLE digests;
DROP TABLE answer_codes;
ALTER TABLE teams DROP COLUMN digest_hour;
ALTER TABLE teams DROP COLUMN digest_day;
ALTER TABLE teams DROP COLUMN digest_channel;
