-- Why the offline coder read an answer although a model was configured:
-- "the model failed", or "read as instructions to the model" (an answer
-- that was never sent). Empty for codes the configured coder made. A
-- digest says how many answers were read offline, and why. The other
-- dialect's migration of the same number makes the same change.

-- +goose Up
ALTER TABLE answer_codes ADD COLUMN offline_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE answer_codes DROP COLUMN offline_reason;
