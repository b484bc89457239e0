-- The answers waiting for codes, as a queue of their ids: an answer joins
-- when it is added with text, or when an edit drops its codes, and leaves
-- when its codes are stored, it is withdrawn, or its text is purged. The
-- coding job reads this small table rather than every answer joined to its
-- codes (which it did after every batch of replies, a full scan each time).
-- Answers that another coder or version coded are added by the first look
-- of a process that runs a different one. The other dialect's migration of
-- the same number makes the same change.

-- +goose Up
CREATE TABLE answers_to_code (
    answer_id INTEGER PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE
);
INSERT INTO answers_to_code (answer_id)
SELECT id FROM answers a
WHERE a.text <> '' AND a.withdrawn_at IS NULL AND a.purged_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM answer_codes c WHERE c.answer_id = a.id);

-- +goose Down
DROP TABLE answers_to_code;
