package storage_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestReflections(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		c := mustCase(t, db, "T1", "Mrs B")

		in := newReflection("T1", c.ID, "C1", "1700000000.000100", t0)
		in.FollowUps = []string{"why", "odd,key"}
		in.AwaitingFollowUp = true
		in.LastActivityAt = t0.Add(time.Second)
		got, err := db.CreateReflection(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 {
			t.Fatal("CreateReflection returned no ID")
		}
		want := in
		want.ID = got.ID
		want.CreatedAt = stored(in.CreatedAt)
		want.LastActivityAt = stored(in.LastActivityAt)
		if diff := cmp.Diff(want, got, ignoreUpdatedAt); diff != "" {
			t.Errorf("CreateReflection (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.IsZero() {
			t.Error("UpdatedAt not set")
		}

		fetched, err := db.GetReflection(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, fetched); diff != "" {
			t.Errorf("GetReflection (-want +got):\n%s", diff)
		}
		_, err = db.GetReflection(ctx, got.ID+1000)
		wantErr(t, err, flows.ErrNotFound)

		fetched, err = db.ReflectionByThread(ctx, "T1", "C1", "1700000000.000100")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, fetched); diff != "" {
			t.Errorf("ReflectionByThread (-want +got):\n%s", diff)
		}
		for _, k := range [][3]string{{"T2", "C1", "1700000000.000100"}, {"T1", "C2", "1700000000.000100"}, {"T1", "C1", "1"}} {
			_, err = db.ReflectionByThread(ctx, k[0], k[1], k[2])
			wantErr(t, err, flows.ErrNotFound)
		}

		// A check-in: no case, no thread yet, several may wait for a thread.
		checkIn := newReflection("T1", 0, "C1", "", t0.Add(time.Minute))
		checkIn.Template = "check_in"
		checkIn = mustReflection(t, db, checkIn)
		if checkIn.CaseID != 0 || checkIn.FollowUps != nil || !checkIn.NudgedAt.IsZero() || !checkIn.ClosedAt.IsZero() {
			t.Errorf("check-in stored as %+v", checkIn)
		}
		unthreaded := mustReflection(t, db, newReflection("T1", 0, "C1", "", t0.Add(2*time.Minute)))
		_, err = db.ReflectionByThread(ctx, "T1", "C1", "")
		wantErr(t, err, flows.ErrNotFound)

		// The latest in progress in the channel.
		latest, err := db.LatestOpenReflection(ctx, "T1", "C1")
		if err != nil {
			t.Fatal(err)
		}
		if latest.ID != unthreaded.ID {
			t.Errorf("LatestOpenReflection = %d, want %d", latest.ID, unthreaded.ID)
		}
		unthreaded.Status = flows.StatusAbandoned
		unthreaded.Stage = ""
		unthreaded.ClosedAt = t0.Add(3 * time.Minute)
		if err := db.UpdateReflection(ctx, unthreaded); err != nil {
			t.Fatal(err)
		}
		latest, err = db.LatestOpenReflection(ctx, "T1", "C1")
		if err != nil {
			t.Fatal(err)
		}
		if latest.ID != checkIn.ID {
			t.Errorf("LatestOpenReflection after closing the latest = %d, want %d", latest.ID, checkIn.ID)
		}
		_, err = db.LatestOpenReflection(ctx, "T1", "C9")
		wantErr(t, err, flows.ErrNotFound)

		// Every mutable field is saved, and times go back to zero.
		upd := got
		upd.Status = flows.StatusComplete
		upd.Thread = "1700000000.000200"
		upd.Stage = ""
		upd.FollowUps = []string{"why", "odd,key", "looking_ahead"}
		upd.AwaitingFollowUp = false
		upd.LastActivityAt = t0.Add(time.Hour)
		upd.NudgedAt = t0.Add(30 * time.Minute)
		upd.ClosedAt = t0.Add(time.Hour)
		if err := db.UpdateReflection(ctx, upd); err != nil {
			t.Fatal(err)
		}
		fetched, err = db.GetReflection(ctx, upd.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantUpd := upd
		wantUpd.LastActivityAt = stored(upd.LastActivityAt)
		wantUpd.NudgedAt = stored(upd.NudgedAt)
		wantUpd.ClosedAt = stored(upd.ClosedAt)
		if diff := cmp.Diff(wantUpd, fetched, ignoreUpdatedAt); diff != "" {
			t.Errorf("after UpdateReflection (-want +got):\n%s", diff)
		}
		if fetched.UpdatedAt.Before(got.UpdatedAt) {
			t.Errorf("UpdatedAt went back from %v to %v", got.UpdatedAt, fetched.UpdatedAt)
		}
		upd.NudgedAt, upd.ClosedAt, upd.FollowUps = time.Time{}, time.Time{}, nil
		if err := db.UpdateReflection(ctx, upd); err != nil {
			t.Fatal(err)
		}
		fetched, err = db.GetReflection(ctx, upd.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !fetched.NudgedAt.IsZero() || !fetched.ClosedAt.IsZero() || fetched.FollowUps != nil {
			t.Errorf("cleared fields came back as %v, %v, %v", fetched.NudgedAt, fetched.ClosedAt, fetched.FollowUps)
		}

		missing := upd
		missing.ID = upd.ID + 1000
		wantErr(t, db.UpdateReflection(ctx, missing), flows.ErrNotFound)

		// Rules the schema keeps.
		bad := newReflection("T1", 0, "C1", "", t0)
		bad.Status = "paused"
		_, err = db.CreateReflection(ctx, bad)
		wantErr(t, err, flows.ErrInvalid)
		badUpd := upd
		badUpd.Status = "paused"
		wantErr(t, db.UpdateReflection(ctx, badUpd), flows.ErrInvalid)
		_, err = db.CreateReflection(ctx, newReflection("T1", c.ID+1000, "C1", "", t0))
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.CreateReflection(ctx, newReflection("T1", 0, "C1", "1700000000.000200", t0))
		wantErr(t, err, flows.ErrConflict)
		clash := checkIn
		clash.Thread = "1700000000.000200"
		wantErr(t, db.UpdateReflection(ctx, clash), flows.ErrConflict)
		// The same thread id in another channel is another thread.
		inC2 := mustReflection(t, db, newReflection("T1", 0, "C2", "1700000000.000200", t0))

		// Listing, oldest first.
		all, err := db.ListReflections(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range all {
			ids = append(ids, r.ID)
		}
		// The reflection in C2 was created last but dated t0, so it sorts
		// second: after the first reflection, also dated t0, by id.
		if diff := cmp.Diff([]int64{got.ID, inC2.ID, checkIn.ID, unthreaded.ID}, ids); diff != "" {
			t.Errorf("ListReflections ids (-want +got):\n%s", diff)
		}
		ofCase, err := db.ListCaseReflections(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ofCase) != 1 || ofCase[0].ID != got.ID {
			t.Errorf("ListCaseReflections = %v, want only %d", ofCase, got.ID)
		}
		none, err := db.ListReflections(ctx, "T404")
		if err != nil || len(none) != 0 {
			t.Errorf("ListReflections of an unknown team = %v, %v; want none", none, err)
		}
	})
}

func TestLocking(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		r := newReflection("T1", 0, "C1", "1700000000.000100", t0)
		r.Stage = "0"
		r = mustReflection(t, db, r)

		// Each step reads the counter in Stage, and writes it back plus one,
		// with the follow-ups growing by one key. Without the lock, steps
		// would read the same value and increments would be lost.
		increment := func(get func(s flows.Store) (flows.Reflection, error)) error {
			return db.InTx(ctx, func(s flows.Store) error {
				cur, err := get(s)
				if err != nil {
					return err
				}
				n, err := strconv.Atoi(cur.Stage)
				if err != nil {
					return err
				}
				cur.Stage = strconv.Itoa(n + 1)
				cur.FollowUps = append(cur.FollowUps, cur.Stage)
				return s.UpdateReflection(ctx, cur)
			})
		}
		byID := func(s flows.Store) (flows.Reflection, error) { return s.GetReflection(ctx, r.ID) }
		byThread := func(s flows.Store) (flows.Reflection, error) {
			return s.ReflectionByThread(ctx, "T1", "C1", "1700000000.000100")
		}

		const steps = 10
		var wg sync.WaitGroup
		errs := make(chan error, 2*steps)
		for i := range 2 * steps {
			get := byID
			if i%2 == 1 {
				get = byThread
			}
			wg.Go(func() {
				if err := increment(get); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		got, err := db.GetReflection(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Stage != strconv.Itoa(2*steps) || len(got.FollowUps) != 2*steps {
			t.Errorf("after %d increments: Stage %q with %d follow-ups, want %d", 2*steps, got.Stage, len(got.FollowUps), 2*steps)
		}
	})
}
