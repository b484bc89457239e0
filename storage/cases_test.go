package storage_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestCases(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		mustTeam(t, db, "T2")

		got, err := db.CreateCase(ctx, flows.Case{TeamID: "T1", Label: "Mrs Élise B", CreatedAt: t0.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 {
			t.Fatal("CreateCase returned no ID")
		}
		want := flows.Case{ID: got.ID, TeamID: "T1", Label: "Mrs Élise B", CreatedAt: stored(t0.Add(time.Minute))}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateCase (-want +got):\n%s", diff)
		}

		fetched, err := db.GetCase(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, fetched); diff != "" {
			t.Errorf("GetCase (-want +got):\n%s", diff)
		}
		_, err = db.GetCase(ctx, got.ID+1000)
		wantErr(t, err, flows.ErrNotFound)

		for _, label := range []string{"Mrs Élise B", "mrs élise b", "MRS ÉLISE B"} {
			fetched, err := db.CaseByLabel(ctx, "T1", label)
			if err != nil {
				t.Fatalf("CaseByLabel(%q): %v", label, err)
			}
			if diff := cmp.Diff(want, fetched); diff != "" {
				t.Errorf("CaseByLabel(%q) (-want +got):\n%s", label, diff)
			}
			_, err = db.CreateCase(ctx, flows.Case{TeamID: "T1", Label: label})
			wantErr(t, err, flows.ErrConflict)
		}
		_, err = db.CaseByLabel(ctx, "T1", "Mr C")
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.CaseByLabel(ctx, "T2", "Mrs Élise B")
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.CreateCase(ctx, flows.Case{TeamID: "T404", Label: "Mr C"})
		wantErr(t, err, flows.ErrNotFound)

		// Another team may use the same label.
		other := mustCase(t, db, "T2", "mrs élise b")
		if other.ID == got.ID {
			t.Error("two cases share an ID")
		}

		// Oldest first: this one is created later but dated earlier.
		earlier := mustCase(t, db, "T1", "Mr C") // at t0
		cases, err := db.ListCases(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]flows.Case{earlier, want}, cases); diff != "" {
			t.Errorf("ListCases (-want +got):\n%s", diff)
		}
		cases, err = db.ListCases(ctx, "T404")
		if err != nil || len(cases) != 0 {
			t.Errorf("ListCases of an unknown team = %v, %v; want none", cases, err)
		}
	})
}
