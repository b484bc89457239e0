-- Ordering for the inbox, and the outbox. Each delivery gets an ordering key
-- (chosen by the adapter: for Slack the team, channel and thread of a thread
-- reply) and a sequence number, so that the deliveries of one key are
-- processed one after another, in the order they were recorded. The outbox
-- holds the calls to Slack owed for processed deliveries until they succeed.
-- The PostgreSQL migration of the same number makes the same change; keep the
-- two in step.
--
-- SQLite has no sequences: a new delivery's seq is one more than the largest,
-- computed in its INSERT. Every write holds the database's one write lock, so
-- two deliveries never get the same number.

-- +goose Up
ALTER TABLE inbox ADD COLUMN ordering_key TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE inbox SET seq = rowid;
CREATE INDEX inbox_key_idx ON inbox (ordering_key, seq) WHERE processed_at IS NULL;
CREATE INDEX inbox_seq_idx ON inbox (seq);

-- An outbox row is deleted once Slack has accepted the call: its payload
-- holds people's words. There is no foreign key to inbox, so that purging old
-- deliveries never takes an unsent reply with it.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  TEXT NOT NULL,
    ordering_key TEXT NOT NULL,
    payload      BLOB NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_key_idx ON outbox (ordering_key, id);
CREATE INDEX outbox_created_idx ON outbox (created_at);

-- +goose Down
DROP TABLE outbox;
DROP INDEX inbox_seq_idx;
DROP INDEX inbox_key_idx;
ALTER TABLE inbox DROP COLUMN seq;
ALTER TABLE inbox DROP COLUMN ordering_key;
