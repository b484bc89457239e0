-- Where each conversation of a chat platform lives (for now Microsoft
-- Teams), so that the bot can post there later, after a restart too: the
-- Bot Connector takes a conversation's posts at the service URL that came
-- with a verified request from it, under its tenant. A person's 1:1 chat
-- with the bot is kept with their user ids, for the private notices Teams
-- cannot show in a channel; forget-me deletes it. Holds nothing a person
-- wrote. The other dialect's migration of the same number makes the same
-- change.

-- +goose Up
CREATE TABLE chat_conversations (
    platform          TEXT NOT NULL,
    id                TEXT NOT NULL,
    service_url       TEXT NOT NULL,
    tenant_id         TEXT NOT NULL DEFAULT '',
    -- team_id is the engine's team: a channel's Teams team, a chat's tenant.
    team_id           TEXT NOT NULL DEFAULT '',
    -- group_id is a channel's team's Microsoft 365 group, for Graph.
    group_id          TEXT NOT NULL DEFAULT '',
    -- conversation_type is channel, personal or groupChat.
    conversation_type TEXT NOT NULL DEFAULT '',
    channel_type      TEXT NOT NULL DEFAULT '',
    -- In a 1:1 chat, the person: the engine's user id and the platform's.
    user_id           TEXT NOT NULL DEFAULT '',
    teams_user_id     TEXT NOT NULL DEFAULT '',
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (platform, id)
) STRICT;
CREATE INDEX chat_conversations_user_idx ON chat_conversations (platform, tenant_id, user_id);
CREATE INDEX chat_conversations_team_idx ON chat_conversations (platform, team_id);

-- +goose Down
DROP TABLE chat_conversations;
