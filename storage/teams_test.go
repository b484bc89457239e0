package storage_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestTeams(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		// A new team's digest is set for Mondays at 09:00, with no channel.
		in := flows.Team{ID: "T1", Name: "Ward 7", Timezone: "Europe/London", CreatedAt: t0.Add(time.Hour),
			DigestDay: time.Monday, DigestHour: 9}
		got, err := db.EnsureTeam(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.CreatedAt = stored(in.CreatedAt)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("EnsureTeam (-want +got):\n%s", diff)
		}

		again, err := db.EnsureTeam(ctx, flows.Team{ID: "T1", Name: "Renamed", Timezone: "UTC", CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, again); diff != "" {
			t.Errorf("EnsureTeam of an existing team changed it (-want +got):\n%s", diff)
		}

		got, err = db.GetTeam(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetTeam (-want +got):\n%s", diff)
		}

		_, err = db.GetTeam(ctx, "T404")
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.EnsureTeam(ctx, flows.Team{})
		wantErr(t, err, flows.ErrInvalid)

		// Oldest first, whatever the order of creation.
		older := mustTeam(t, db, "T0") // created at t0, an hour before T1
		before := time.Now()
		now, err := db.EnsureTeam(ctx, flows.Team{ID: "T2"})
		if err != nil {
			t.Fatal(err)
		}
		if now.CreatedAt.Before(before.Add(-time.Millisecond)) || now.CreatedAt.Location() != time.UTC {
			t.Errorf("EnsureTeam without CreatedAt: CreatedAt = %v, want about now in UTC", now.CreatedAt)
		}
		teams, err := db.ListTeams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]flows.Team{older, want, now}, teams); diff != "" {
			t.Errorf("ListTeams (-want +got):\n%s", diff)
		}
	})
}

func TestMembers(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		before := time.Now().UTC().Truncate(time.Microsecond)
		in := flows.Member{TeamID: "T1", UserID: "U1", Name: "Ann", Discipline: "", CreatedAt: t0}
		got, err := db.SaveMember(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.CreatedAt = stored(t0)
		if diff := cmp.Diff(want, got, ignoreUpdatedAt); diff != "" {
			t.Errorf("SaveMember (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.Before(before) {
			t.Errorf("UpdatedAt = %v, want at least %v", got.UpdatedAt, before)
		}

		// An update keeps CreatedAt and moves UpdatedAt on.
		first := got
		got, err = db.SaveMember(ctx, flows.Member{TeamID: "T1", UserID: "U1", Name: "Ann B", Discipline: "chaplain", CreatedAt: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		want.Name, want.Discipline = "Ann B", "chaplain"
		if diff := cmp.Diff(want, got, ignoreUpdatedAt); diff != "" {
			t.Errorf("SaveMember update (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.Before(first.UpdatedAt) {
			t.Errorf("UpdatedAt went back from %v to %v", first.UpdatedAt, got.UpdatedAt)
		}

		fetched, err := db.GetMember(ctx, "T1", "U1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, fetched); diff != "" {
			t.Errorf("GetMember (-want +got):\n%s", diff)
		}
		_, err = db.GetMember(ctx, "T1", "U404")
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.GetMember(ctx, "T2", "U1")
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.SaveMember(ctx, flows.Member{TeamID: "T1"})
		wantErr(t, err, flows.ErrInvalid)
	})
}
