-- A case's outcome record: what happened, as far as the team knows it,
-- read beside the stories (docs/outcomes.md). One record a case, every
-- fact allowing 'not_known' (NULL for a number). It holds nobody's words
-- and nobody's id (who recorded or changed it is in the audit log), and
-- dates only to the ISO week ('2026-W45'), never a date of death or birth.
-- The retention purge unlinks a record from its case (case_id NULL) once
-- its week is older than the retention period; deleting a case deletes its
-- record. The other dialect's migration of the same number makes the same
-- change.

-- +goose Up
CREATE TABLE case_outcomes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id          TEXT NOT NULL REFERENCES teams (id),
    case_id          INTEGER REFERENCES cases (id) ON DELETE CASCADE,
    -- died_week is '' when not known; the record then counts in
    -- recorded_week.
    died_week        TEXT NOT NULL DEFAULT '',
    recorded_week    TEXT NOT NULL,
    updated_week     TEXT NOT NULL,
    preferred_place  TEXT NOT NULL DEFAULT 'not_known'
        CHECK (preferred_place IN ('home', 'care_home', 'hospice', 'hospital', 'other', 'not_known')),
    died_at          TEXT NOT NULL DEFAULT 'not_known'
        CHECK (died_at IN ('home', 'care_home', 'hospice', 'hospital', 'other', 'not_known')),
    care_plan        TEXT NOT NULL DEFAULT 'not_known' CHECK (care_plan IN ('yes', 'no', 'not_known')),
    plan_shared      TEXT NOT NULL DEFAULT 'not_known' CHECK (plan_shared IN ('yes', 'no', 'not_known')),
    jic_meds         TEXT NOT NULL DEFAULT 'not_known' CHECK (jic_meds IN ('yes', 'no', 'not_known')),
    admissions       INTEGER CHECK (admissions BETWEEN 0 AND 30),
    bed_days         INTEGER CHECK (bed_days BETWEEN 0 AND 90),
    informal_support TEXT NOT NULL DEFAULT 'not_known' CHECK (informal_support IN ('none', 'some', 'strong', 'not_known')),
    carer_strain     TEXT NOT NULL DEFAULT 'not_known' CHECK (carer_strain IN ('yes', 'no', 'not_known'))
) STRICT;
CREATE UNIQUE INDEX case_outcomes_case_key ON case_outcomes (case_id);
CREATE INDEX case_outcomes_team_idx ON case_outcomes (team_id);

-- +goose Down
DROP TABLE case_outcomes;
