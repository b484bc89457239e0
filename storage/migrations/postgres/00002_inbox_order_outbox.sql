-- Ordering for the inbox, and the outbox. Each delivery gets an ordering key
-- (chosen by the adapter: for Slack the team, channel and thread of a thread
-- reply) and a sequence number, so that the deliveries of one key are
-- processed one after another, in the order they were recorded. The outbox
-- holds the calls to Slack owed for processed deliveries until they succeed.
-- The SQLite migration of the same number makes the same change; keep the two
-- in step.

-- +goose Up
CREATE SEQUENCE inbox_seq;
ALTER TABLE inbox ADD COLUMN ordering_key text NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN seq bigint NOT NULL DEFAULT nextval('inbox_seq');
ALTER SEQUENCE inbox_seq OWNED BY inbox.seq;
CREATE INDEX inbox_key_idx ON inbox (ordering_key, seq) WHERE processed_at IS NULL;

-- An outbox row is deleted once Slack has accepted the call: its payload
-- holds people's words. There is no foreign key to inbox, so that purging old
-- deliveries never takes an unsent reply with it.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  text NOT NULL,
    ordering_key text NOT NULL,
    payload      bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX outbox_key_idx ON outbox (ordering_key, id);
CREATE INDEX outbox_created_idx ON outbox (created_at);

-- +goose Down
DROP TABLE outbox;
DROP INDEX inbox_key_idx;
ALTER TABLE inbox DROP COLUMN seq;
ALTER TABLE inbox DROP COLUMN ordering_key;
DROP SEQUENCE IF EXISTS inbox_seq;
