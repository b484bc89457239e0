-- The first schema: teams and their members, cases, reflections and their
-- answers, and the inbox of Slack deliveries. The SQLite migration of the same
-- number creates the same tables and columns; keep the two in step.

-- +goose Up
CREATE TABLE teams (
    id         text PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    timezone   text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);

CREATE TABLE members (
    team_id    text NOT NULL,
    user_id    text NOT NULL,
    name       text NOT NULL DEFAULT '',
    discipline text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE cases (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id    text NOT NULL REFERENCES teams (id),
    label      text NOT NULL,
    -- label_key is lower(label), computed in Go so that both databases fold
    -- letter case the same way.
    label_key  text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT cases_label_key UNIQUE (team_id, label_key)
);

CREATE TABLE reflections (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id            text NOT NULL,
    case_id            bigint REFERENCES cases (id),
    template           text NOT NULL,
    status             text NOT NULL
        CHECK (status IN ('in_progress', 'complete', 'abandoned')),
    channel            text NOT NULL,
    thread             text NOT NULL DEFAULT '',
    started_by         text NOT NULL,
    stage              text NOT NULL DEFAULT '',
    -- follow_ups is a JSON array of stage keys.
    follow_ups         text NOT NULL DEFAULT '[]',
    awaiting_follow_up boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    last_activity_at   timestamptz NOT NULL,
    nudged_at          timestamptz,
    closed_at          timestamptz
);
CREATE UNIQUE INDEX reflections_thread_key ON reflections (team_id, channel, thread) WHERE thread <> '';
CREATE INDEX reflections_team_idx ON reflections (team_id, created_at);
CREATE INDEX reflections_channel_idx ON reflections (team_id, channel, status);
CREATE INDEX reflections_case_idx ON reflections (case_id);

CREATE TABLE answers (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reflection_id bigint NOT NULL REFERENCES reflections (id) ON DELETE CASCADE,
    team_id       text NOT NULL,
    stage         text NOT NULL,
    author        text NOT NULL,
    discipline    text NOT NULL DEFAULT '',
    text          text NOT NULL DEFAULT '',
    follow_up     boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    edited_at     timestamptz,
    withdrawn_at  timestamptz
);
CREATE INDEX answers_reflection_idx ON answers (reflection_id);
CREATE INDEX answers_team_idx ON answers (team_id);
CREATE INDEX answers_author_idx ON answers (author);

CREATE TABLE inbox (
    id           text PRIMARY KEY,
    kind         text NOT NULL,
    payload      bytea,
    received_at  timestamptz NOT NULL,
    processed_at timestamptz
);
CREATE INDEX inbox_unprocessed_idx ON inbox (received_at) WHERE processed_at IS NULL;

-- +goose Down
DROP TABLE inbox;
DROP TABLE answers;
DROP TABLE reflections;
DROP TABLE cases;
DROP TABLE members;
DROP TABLE teams;
