package storage_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// Conformance tests for migration 3: check-in settings, people's away and
// snooze dates, answers found by their message, and idle reflections.

func TestTeamCheckInSettings(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		team := mustTeam(t, db, "T1")
		if team.CheckInChannel != "" || team.CheckInDay != time.Sunday || !team.LastCheckInAt.IsZero() {
			t.Errorf("a new team has check-in settings: %+v", team)
		}
		team.CheckInChannel, team.CheckInDay, team.CheckInTime = "C9", time.Thursday, "09:30"
		team.LastCheckInAt = t0
		team.Timezone = "America/New_York"
		if err := db.UpdateTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetTeam(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		want := team
		want.LastCheckInAt = stored(t0)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("team after UpdateTeam (-want +got):\n%s", diff)
		}
		teams, err := db.ListTeams(ctx)
		if err != nil || len(teams) != 1 || teams[0].CheckInTime != "09:30" {
			t.Errorf("ListTeams = %+v, %v", teams, err)
		}
		wantErr(t, db.UpdateTeam(ctx, flows.Team{ID: "nope"}), flows.ErrNotFound)
		bad := team
		bad.CheckInDay = 7
		wantErr(t, db.UpdateTeam(ctx, bad), flows.ErrInvalid)
	})
}

func TestMemberDatesAndList(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		m, err := db.SaveMember(ctx, flows.Member{TeamID: "T1", UserID: "U1", Discipline: "nurse", CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		if !m.AwayUntil.IsZero() || !m.SnoozedUntil.IsZero() || m.NoQuotes {
			t.Errorf("new member has settings: %+v", m)
		}
		m.AwayUntil, m.SnoozedUntil, m.NoQuotes = t0.Add(72*time.Hour), t0.Add(24*time.Hour), true
		saved, err := db.SaveMember(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if !saved.AwayUntil.Equal(stored(t0.Add(72*time.Hour))) || !saved.SnoozedUntil.Equal(stored(t0.Add(24*time.Hour))) || !saved.NoQuotes {
			t.Errorf("saved member = %+v", saved)
		}
		// Clearing the dates stores NULLs again.
		saved.AwayUntil, saved.SnoozedUntil = time.Time{}, time.Time{}
		if cleared, err := db.SaveMember(ctx, saved); err != nil || !cleared.AwayUntil.IsZero() || !cleared.SnoozedUntil.IsZero() {
			t.Errorf("cleared member = %+v, %v", cleared, err)
		}
		if _, err := db.SaveMember(ctx, flows.Member{TeamID: "T1", UserID: "U0", CreatedAt: t0.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveMember(ctx, flows.Member{TeamID: "T2", UserID: "U5", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		members, err := db.ListMembers(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range members {
			ids = append(ids, m.UserID)
		}
		if diff := cmp.Diff([]string{"U1", "U0"}, ids); diff != "" {
			t.Errorf("ListMembers (-want +got):\n%s", diff)
		}
	})
}

func TestAnswerByMessage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		r := mustReflection(t, db, newReflection("T1", 0, "C1", "1.0", t0))
		other := mustReflection(t, db, newReflection("T1", 0, "C1", "2.0", t0))
		a, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "T1", Stage: "why", Author: "U1", Text: "x", MessageID: "1.5"})
		if err != nil {
			t.Fatal(err)
		}
		mustAnswer(t, db, r, "why", "no message id")
		got, err := db.AnswerByMessage(ctx, r.ID, "1.5")
		if err != nil || got.ID != a.ID || got.MessageID != "1.5" {
			t.Errorf("AnswerByMessage = %+v, %v", got, err)
		}
		_, err = db.AnswerByMessage(ctx, other.ID, "1.5")
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.AnswerByMessage(ctx, r.ID, "")
		wantErr(t, err, flows.ErrNotFound)
	})
}

func TestListIdleReflections(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		mustTeam(t, db, "T2")
		old := mustReflection(t, db, newReflection("T1", 0, "C1", "1", t0))
		older := mustReflection(t, db, newReflection("T2", 0, "C1", "2", t0.Add(-time.Hour)))
		mustReflection(t, db, newReflection("T1", 0, "C1", "3", t0.Add(2*time.Hour))) // recent
		closed := newReflection("T1", 0, "C1", "4", t0.Add(-2*time.Hour))
		closed.Status = flows.StatusComplete
		mustReflection(t, db, closed)
		idle, err := db.ListIdleReflections(ctx, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range idle {
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff([]int64{older.ID, old.ID}, ids); diff != "" {
			t.Errorf("idle reflections (-want +got):\n%s", diff)
		}
	})
}
