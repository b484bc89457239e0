package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestTakeSlotPacesWithBursts: a burst of three calls goes at once, the
// fourth waits a second; a second later one more may go; another channel
// has its own pace; and however many callers race, no more than the burst
// is booked at one instant.
func TestTakeSlotPacesWithBursts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		take := func(scope string, at time.Time) time.Duration {
			t.Helper()
			wait, err := db.TakeSlot(ctx, "T1", scope, at, time.Second, 3)
			if err != nil {
				t.Fatal(err)
			}
			return wait
		}
		for i := range 3 {
			if w := take("channel:C1", now); w != 0 {
				t.Fatalf("call %d of the burst waits %s; want none", i+1, w)
			}
		}
		if w := take("channel:C1", now); w != time.Second {
			t.Fatalf("fourth call waits %s; want 1s", w)
		}
		if w := take("channel:C2", now); w != 0 {
			t.Fatalf("another channel waits %s; want its own pace", w)
		}
		if w := take("channel:C1", now.Add(time.Second)); w != 0 {
			t.Fatalf("a second on, the call waits %s; want none", w)
		}
		if w := take("channel:C1", now.Add(time.Second)); w != time.Second {
			t.Fatalf("and the next waits %s; want 1s", w)
		}

		// Many callers at one instant: exactly the burst is booked.
		var mu sync.Mutex
		booked := 0
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				w, err := db.TakeSlot(ctx, "T1", "channel:C9", now, time.Second, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if w == 0 {
					mu.Lock()
					booked++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if booked != 3 {
			t.Errorf("%d of 20 racing calls booked; want the burst of 3", booked)
		}
	})
}

// TestHoldKeepsTheLongerHold: a hold after a 429 stands until its time, a
// shorter hold does not cut it, and an unknown scope is not held.
func TestHoldKeepsTheLongerHold(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if at, err := db.HeldUntil(ctx, "T1", "method:chat.postMessage"); err != nil || !at.IsZero() {
			t.Fatalf("HeldUntil before any hold = %v, %v; want the zero time", at, err)
		}
		until := time.UnixMilli(1_800_000_010_000)
		if err := db.Hold(ctx, "T1", "method:chat.postMessage", until); err != nil {
			t.Fatal(err)
		}
		if err := db.Hold(ctx, "T1", "method:chat.postMessage", until.Add(-5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if at, err := db.HeldUntil(ctx, "T1", "method:chat.postMessage"); err != nil || !at.Equal(until) {
			t.Fatalf("HeldUntil = %v, %v; want %v", at, err, until)
		}
		if at, _ := db.HeldUntil(ctx, "T2", "method:chat.postMessage"); !at.IsZero() {
			t.Fatalf("another workspace is held until %v", at)
		}
	})
}

// TestOutboxAttemptsCounted: an attempt to send is recorded on the message,
// and read back with it, so a later sender knows to look for it first.
func TestOutboxAttemptsCounted(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.AddOutbox(ctx, []inbox.OutboxMessage{{DeliveryID: "d1", Key: "T1/C1", Payload: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		msgs, err := db.PendingOutbox(ctx, "T1/C1", 10)
		if err != nil || len(msgs) != 1 || msgs[0].Attempts != 0 {
			t.Fatalf("before = %+v, %v", msgs, err)
		}
		if err := db.MarkOutboxAttempt(ctx, msgs[0].ID); err != nil {
			t.Fatal(err)
		}
		if msgs, _ = db.PendingOutbox(ctx, "T1/C1", 10); msgs[0].Attempts != 1 {
			t.Fatalf("attempts after one = %d", msgs[0].Attempts)
		}
		if err := db.MarkOutboxAttempt(ctx, 999999); !errors.Is(err, flows.ErrNotFound) {
			t.Fatalf("marking a message that is not there: %v", err)
		}
		if keys, err := db.OutboxKeys(ctx, "d1"); err != nil || len(keys) != 1 || keys[0] != "T1/C1" {
			t.Fatalf("OutboxKeys = %v, %v", keys, err)
		}
	})
}

// TestTakeSlotAndAttempt: a booked post has its attempt recorded with the
// booking; one the pace holds back books nothing and records nothing, and
// says how long to wait; a message no longer in the outbox is not found.
func TestTakeSlotAndAttempt(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		if err := db.AddOutbox(ctx, []inbox.OutboxMessage{
			{DeliveryID: "d1", Key: "T1/C1", Payload: []byte(`{"op":"post"}`), CreatedAt: now},
		}); err != nil {
			t.Fatal(err)
		}
		pending, err := db.PendingOutbox(ctx, "T1/C1", 10)
		if err != nil || len(pending) != 1 {
			t.Fatalf("outbox: %v, %v", pending, err)
		}
		id := pending[0].ID
		attempts := func() int {
			t.Helper()
			ms, err := db.PendingOutbox(ctx, "T1/C1", 10)
			if err != nil || len(ms) != 1 {
				t.Fatalf("outbox: %v, %v", ms, err)
			}
			return ms[0].Attempts
		}
		for i := range 3 {
			if w, err := db.TakeSlotAndAttempt(ctx, "", "channel:C1", now, time.Second, 3, id); err != nil || w != 0 {
				t.Fatalf("post %d of the burst: wait %s, %v; want booked", i+1, w, err)
			}
			if n := attempts(); n != i+1 {
				t.Fatalf("after post %d of the burst, %d attempts recorded", i+1, n)
			}
		}
		if w, err := db.TakeSlotAndAttempt(ctx, "", "channel:C1", now, time.Second, 3, id); err != nil || w != time.Second {
			t.Fatalf("fourth post: wait %s, %v; want 1s", w, err)
		}
		if n := attempts(); n != 3 {
			t.Fatalf("a post held back recorded an attempt: %d", n)
		}
		if w, err := db.TakeSlotAndAttempt(ctx, "", "channel:C1", now.Add(time.Second), time.Second, 3, id+1000); !errors.Is(err, flows.ErrNotFound) {
			t.Fatalf("a message not in the outbox: wait %s, %v; want not found", w, err)
		}
	})
}
