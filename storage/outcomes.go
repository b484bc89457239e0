package storage

import (
	"context"
	"database/sql"
	"fmt"

	"whatmatters/flows"
)

// Outcome records (case_outcomes): one a case, facts only, dated to the
// week. See flows.Outcome and migration 12.

const outcomeColumns = `id, team_id, case_id, died_week, recorded_week, updated_week, preferred_place, died_at,
	care_plan, plan_shared, jic_meds, admissions, bed_days, informal_support, carer_strain`

func scanOutcome(r rowScanner) (flows.Outcome, error) {
	var o flows.Outcome
	var caseID, admissions, bedDays sql.NullInt64
	err := r.Scan(&o.ID, &o.TeamID, &caseID, &o.DiedWeek, &o.RecordedWeek, &o.UpdatedWeek, &o.PreferredPlace, &o.DiedAt,
		&o.CarePlan, &o.PlanShared, &o.JICMeds, &admissions, &bedDays, &o.InformalSupport, &o.CarerStrain)
	o.CaseID = caseID.Int64
	o.Admissions, o.BedDays = flows.OutcomeUnknown, flows.OutcomeUnknown
	if admissions.Valid {
		o.Admissions = int(admissions.Int64)
	}
	if bedDays.Valid {
		o.BedDays = int(bedDays.Int64)
	}
	return o, err
}

// nullCount stores an unknown number (below zero) as NULL.
func nullCount(n int) any {
	if n < 0 {
		return nil
	}
	return n
}

// SaveOutcome creates the record of o.CaseID, or replaces every field of
// the one it has, and returns it as stored. The record takes the case's
// team, whatever o says. It returns flows.ErrNotFound if the case does not
// exist, and flows.ErrInvalid for a value the table does not allow.
func (s *store) SaveOutcome(ctx context.Context, o flows.Outcome) (flows.Outcome, error) {
	const doing = "saving an outcome record"
	if o.CaseID == 0 {
		return flows.Outcome{}, fmt.Errorf("%s: %w: no case", doing, flows.ErrInvalid)
	}
	if err := checkText(doing, o.DiedWeek, o.RecordedWeek, o.UpdatedWeek, o.PreferredPlace, o.DiedAt, o.CarePlan,
		o.PlanShared, o.JICMeds, o.InformalSupport, o.CarerStrain); err != nil {
		return flows.Outcome{}, err
	}
	if err := required(doing, "recorded week", o.RecordedWeek); err != nil {
		return flows.Outcome{}, err
	}
	if o.UpdatedWeek == "" {
		o.UpdatedWeek = o.RecordedWeek
	}
	var teamID string
	if err := s.q.QueryRowContext(ctx, `SELECT team_id FROM cases WHERE id = $1`, o.CaseID).Scan(&teamID); err != nil {
		return flows.Outcome{}, wrap(doing, err)
	}
	// One statement either way, so two people saving at once leave one
	// record, the later one's.
	rows, err := s.q.QueryContext(ctx, `
		INSERT INTO case_outcomes (team_id, case_id, died_week, recorded_week, updated_week, preferred_place, died_at,
			care_plan, plan_shared, jic_meds, admissions, bed_days, informal_support, carer_strain)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (case_id) DO UPDATE SET
			died_week = excluded.died_week, updated_week = excluded.updated_week,
			preferred_place = excluded.preferred_place, died_at = excluded.died_at,
			care_plan = excluded.care_plan, plan_shared = excluded.plan_shared, jic_meds = excluded.jic_meds,
			admissions = excluded.admissions, bed_days = excluded.bed_days,
			informal_support = excluded.informal_support, carer_strain = excluded.carer_strain
		RETURNING `+outcomeColumns,
		teamID, o.CaseID, o.DiedWeek, o.RecordedWeek, o.UpdatedWeek, o.PreferredPlace, o.DiedAt,
		o.CarePlan, o.PlanShared, o.JICMeds, nullCount(o.Admissions), nullCount(o.BedDays), o.InformalSupport, o.CarerStrain)
	if err != nil {
		return flows.Outcome{}, wrap(doing, err)
	}
	stored, err := collect(rows, doing, scanOutcome)
	if err != nil {
		return flows.Outcome{}, err
	}
	if len(stored) == 0 {
		return flows.Outcome{}, fmt.Errorf("%s: %w", doing, flows.ErrNotFound)
	}
	return stored[0], nil
}

// OutcomeByCase returns the case's record, or flows.ErrNotFound.
func (s *store) OutcomeByCase(ctx context.Context, caseID int64) (flows.Outcome, error) {
	o, err := scanOutcome(s.q.QueryRowContext(ctx,
		`SELECT `+outcomeColumns+` FROM case_outcomes WHERE case_id = $1`, caseID))
	return o, wrap(fmt.Sprintf("getting the outcome record of case %d", caseID), err)
}

// ListOutcomes returns the team's records, unlinked ones too, by week (the
// week they died, else the week recorded) then id.
func (s *store) ListOutcomes(ctx context.Context, teamID string) ([]flows.Outcome, error) {
	const doing = "listing outcome records"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+outcomeColumns+` FROM case_outcomes WHERE team_id = $1
		ORDER BY CASE WHEN died_week <> '' THEN died_week ELSE recorded_week END, id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanOutcome)
}

// unlinkOutcomes is the retention purge's part for outcome records: each
// record whose week is before cutoffWeek loses its case, keeping its facts
// for counting. It returns how many it unlinked.
func unlinkOutcomes(ctx context.Context, q querier, cutoffWeek string) (int, error) {
	const doing = "unlinking old outcome records"
	res, err := q.ExecContext(ctx, `
		UPDATE case_outcomes SET case_id = NULL
		WHERE case_id IS NOT NULL AND (CASE WHEN died_week <> '' THEN died_week ELSE recorded_week END) < $1`, cutoffWeek)
	if err != nil {
		return 0, wrap(doing, err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap(doing, err)
}
