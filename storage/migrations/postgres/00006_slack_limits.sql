-- The pace of the bot's calls to Slack, shared by every instance: for each
-- workspace and scope (a channel's posts, or a Web API method held back by
-- Slack's Retry-After), the earliest time in Unix milliseconds at which the
-- next call is due. Holds nothing a person wrote.
--
-- And each outbox message counts the attempts to send it, so that a post
-- whose earlier attempt ended without an answer (a timeout, a crash) is
-- looked for in Slack before it is sent again.
-- The other dialect's migration of the same number makes the same change.

-- +goose Up
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE slack_limits (
    team_id  TEXT NOT NULL,
    scope    TEXT NOT NULL,
    next_ms  BIGINT NOT NULL,
    PRIMARY KEY (team_id, scope)
);

-- +goose Down
DROP TABLE slack_limits;
ALTER TABLE outbox DROP COLUMN attempts;
