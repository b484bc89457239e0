package storage_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// The conformance suite runs every flows.Store method on SQLite always and on
// PostgreSQL when WHATMATTERS_TEST_DATABASE_URL is set, through
// storagetest.Each. This file holds what its tests share; the tests live in a
// file per table group, as the code does.

// t0 has nanoseconds and a zone other than UTC, so that tests see the store
// truncate to microseconds and convert to UTC.
var t0 = time.Date(2025, 3, 4, 10, 11, 12, 123456789, time.FixedZone("UTC+1", 3600))

// stored is t as the store returns it.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// ignoreUpdatedAt drops the fields the store sets to the current time.
var ignoreUpdatedAt = cmp.Options{
	cmpopts.IgnoreFields(flows.Reflection{}, "UpdatedAt"),
	cmpopts.IgnoreFields(flows.Member{}, "UpdatedAt"),
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func mustTeam(t *testing.T, s flows.Store, id string) flows.Team {
	t.Helper()
	team, err := s.EnsureTeam(t.Context(), flows.Team{ID: id, Name: "Team " + id, Timezone: "Europe/London", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return team
}

func mustCase(t *testing.T, s flows.Store, teamID, label string) flows.Case {
	t.Helper()
	c, err := s.CreateCase(t.Context(), flows.Case{TeamID: teamID, Label: label, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newReflection(teamID string, caseID int64, channel, thread string, created time.Time) flows.Reflection {
	return flows.Reflection{
		TeamID: teamID, CaseID: caseID, Template: "case", Status: flows.StatusInProgress,
		Channel: channel, Thread: thread, StartedBy: "U1", Stage: "what_matters",
		CreatedAt: created, LastActivityAt: created,
	}
}

func mustReflection(t *testing.T, s flows.Store, r flows.Reflection) flows.Reflection {
	t.Helper()
	r, err := s.CreateReflection(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustAnswer(t *testing.T, s flows.Store, r flows.Reflection, stage, text string) flows.Answer {
	t.Helper()
	a, err := s.AddAnswer(t.Context(), flows.Answer{
		ReflectionID: r.ID, TeamID: r.TeamID, Stage: stage, Author: "U2", Discipline: "nurse",
		Text: text, CreatedAt: t0,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPingAndDialect(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		if err := db.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := storage.SQLite
		if t.Name() == "TestPingAndDialect/postgres" {
			want = storage.Postgres
			if db.Pool() == nil {
				t.Error("Pool() is nil on PostgreSQL")
			}
		} else if db.Pool() != nil {
			t.Error("Pool() is not nil on SQLite")
		}
		if db.Dialect() != want {
			t.Errorf("Dialect() = %q, want %q", db.Dialect(), want)
		}
		if db.SQL() == nil {
			t.Error("SQL() is nil")
		}
	})
}
