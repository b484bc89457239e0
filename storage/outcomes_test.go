package storage_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func outcomeOf(teamID string, caseID int64, week string) flows.Outcome {
	o := flows.NewOutcome(teamID, caseID, week)
	o.DiedWeek = week
	o.PreferredPlace, o.DiedAt, o.CarePlan, o.PlanShared = "home", "hospital", "yes", "no"
	o.JICMeds, o.InformalSupport, o.CarerStrain = "yes", "strong", "yes"
	o.Admissions, o.BedDays = 2, 9
	return o
}

// TestOutcomeRecords: one record a case, created then replaced whole; a
// number not known is stored as NULL and read back as not known; values
// the table does not allow, and a case that does not exist, are refused;
// records list by the week they count in.
func TestOutcomeRecords(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		a, b := mustCase(t, db, "T1", "Kestrel"), mustCase(t, db, "T1", "Godwit")
		if _, err := db.OutcomeByCase(ctx, a.ID); err == nil {
			t.Fatal("a case with no record has one")
		}
		first, err := db.SaveOutcome(ctx, outcomeOf("T1", a.ID, "2026-W40"))
		if err != nil {
			t.Fatal(err)
		}
		changed := first
		changed.DiedAt, changed.Admissions, changed.UpdatedWeek = "home", flows.OutcomeUnknown, "2026-W42"
		changed.RecordedWeek = "2026-W41" // kept as first recorded
		second, err := db.SaveOutcome(ctx, changed)
		if err != nil {
			t.Fatal(err)
		}
		want := first
		want.DiedAt, want.Admissions, want.UpdatedWeek = "home", flows.OutcomeUnknown, "2026-W42"
		if diff := cmp.Diff(want, second); diff != "" || second.ID != first.ID {
			t.Errorf("replaced record (-want +got):\n%s", diff)
		}
		got, err := db.OutcomeByCase(ctx, a.ID)
		if err != nil || got != second {
			t.Errorf("OutcomeByCase = %+v, %v", got, err)
		}
		older := outcomeOf("T1", b.ID, "2026-W30")
		older.DiedWeek = "" // counts in the week recorded
		if _, err := db.SaveOutcome(ctx, older); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListOutcomes(ctx, "T1")
		if err != nil || len(list) != 2 || list[0].CaseID != b.ID || list[1].CaseID != a.ID {
			t.Errorf("ListOutcomes = %+v, %v; want Godwit's (week 30) then Kestrel's (week 40)", list, err)
		}

		bad := outcomeOf("T1", a.ID, "2026-W40")
		bad.DiedAt = "the moon"
		wantErr(t, func() error { _, err := db.SaveOutcome(ctx, bad); return err }(), flows.ErrInvalid)
		bad = outcomeOf("T1", a.ID, "2026-W40")
		bad.Admissions = 400
		wantErr(t, func() error { _, err := db.SaveOutcome(ctx, bad); return err }(), flows.ErrInvalid)
		wantErr(t, func() error { _, err := db.SaveOutcome(ctx, outcomeOf("T1", b.ID+100, "2026-W40")); return err }(), flows.ErrNotFound)
		if got, _ := db.OutcomeByCase(ctx, a.ID); got != second {
			t.Errorf("a refused save changed the record: %+v", got)
		}
	})
}

// TestOutcomeGovernance: the export carries a team's records by month
// (never a week) with the quarter's figures, and a person's export none;
// forgetting a person leaves the records, which hold no one's id; the
// retention purge unlinks records of weeks before its cutoff from their
// case, keeping them for counting (and in the export, with no case);
// deleting a case deletes its record.
func TestOutcomeGovernance(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		old, recent := mustCase(t, db, "T1", "Kestrel"), mustCase(t, db, "T1", "Godwit")
		r := mustReflection(t, db, newReflection("T1", recent.ID, "C1", "1", t0))
		mustAnswer(t, db, r, "what_matters", "Home, with the dog.")
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		for _, o := range []flows.Outcome{outcomeOf("T1", old.ID, "2025-W30"), outcomeOf("T1", recent.ID, "2026-W46")} {
			if _, err := db.SaveOutcome(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.AddAudit(ctx, flows.AuditEntry{TeamID: "T1", Actor: "U7", Action: flows.AuditOutcome, Detail: "case 1: died_at"}); err != nil {
			t.Fatal(err)
		}

		ex, err := flows.BuildExport(ctx, db, nil, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.Outcomes) != 2 || ex.Outcomes[0].Month != "2025-07" || ex.Outcomes[1].Month != "2026-11" ||
			*ex.Outcomes[1].CaseID != recent.ID || *ex.Outcomes[1].Admissions != 2 || ex.Outcomes[1].DiedAt != "hospital" {
			t.Fatalf("exported outcomes = %+v", ex.Outcomes)
		}
		if len(ex.OutcomeFigures) != 1 || ex.OutcomeFigures[0].Records != 1 {
			t.Errorf("exported figures = %+v", ex.OutcomeFigures)
		}
		b, _ := json.Marshal(ex.Outcomes)
		if strings.Contains(string(b), "-W") {
			t.Errorf("an exported record holds a week: %s", b)
		}
		mine, err := flows.BuildExport(ctx, db, []string{"T1"}, "U2", now)
		if err != nil || len(mine.Outcomes) != 0 || len(mine.OutcomeFigures) != 0 {
			t.Errorf("a person's export = %+v, %v; want no outcome records (the case's, not theirs)", mine.Outcomes, err)
		}

		before, err := db.ListOutcomes(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ForgetUser(ctx, "T1", "U7"); err != nil {
			t.Fatal(err)
		}
		after, err := db.ListOutcomes(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("forgetting a person changed the records (-before +after):\n%s", diff)
		}
		entries, err := db.ListAudit(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Actor == "U7" {
				t.Errorf("the audit log still names the person: %+v", e)
			}
		}

		// A year's retention before 23 November 2026: week 30 of 2025 is
		// older, week 46 of 2026 is not.
		rep, err := db.PurgeBefore(ctx, now.AddDate(-1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Outcomes != 1 {
			t.Errorf("purge report = %+v; want one record unlinked", rep)
		}
		after, err = db.ListOutcomes(ctx, "T1")
		if err != nil || len(after) != 2 || after[0].CaseID != 0 || after[1].CaseID != recent.ID || after[0].DiedAt != "hospital" {
			t.Fatalf("after the purge = %+v, %v; want the old record kept without its case", after, err)
		}
		if _, err := db.OutcomeByCase(ctx, old.ID); err == nil {
			t.Error("the old case still has its record")
		}
		if rep, err := db.PurgeBefore(ctx, now.AddDate(-1, 0, 0)); err != nil || rep.Outcomes != 0 {
			t.Errorf("a second purge = %+v, %v; want nothing more to unlink", rep, err)
		}
		ex, err = flows.BuildExport(ctx, db, nil, "", now)
		if err != nil || len(ex.Outcomes) != 2 || ex.Outcomes[0].CaseID != nil {
			t.Errorf("export after the purge = %+v, %v", ex.Outcomes, err)
		}

		// Deleting a case (no command does yet) deletes its record.
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM answers WHERE reflection_id = $1`, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM reflections WHERE case_id = $1`, recent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM cases WHERE id = $1`, recent.ID); err != nil {
			t.Fatal(err)
		}
		if after, err := db.ListOutcomes(ctx, "T1"); err != nil || len(after) != 1 || after[0].CaseID != 0 {
			t.Errorf("after deleting the case = %+v, %v; want only the unlinked record", after, err)
		}
	})
}
