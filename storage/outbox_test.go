package storage_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestDeliveryOrder(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		for _, d := range []inbox.Delivery{
			{ID: "a1", Kind: "event", Key: "T/C/1", Payload: []byte("1")},
			{ID: "b1", Kind: "event", Key: "T/C/2", Payload: []byte("2")},
			{ID: "a2", Kind: "event", Key: "T/C/1", Payload: []byte("3")},
			{ID: "a3", Kind: "event", Key: "T/C/1", Payload: []byte("4")},
		} {
			if _, err := db.RecordDelivery(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		a3, err := db.GetDelivery(ctx, "a3")
		if err != nil {
			t.Fatal(err)
		}
		if a3.Key != "T/C/1" || string(a3.Payload) != "4" || a3.Seq == 0 {
			t.Errorf("GetDelivery(a3) = %+v", a3)
		}
		_, err = db.GetDelivery(ctx, "nope")
		wantErr(t, err, flows.ErrNotFound)

		a2, err := db.GetDelivery(ctx, "a2")
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for {
			d, err := db.NextDelivery(ctx, "T/C/1", a2.Seq)
			if errors.Is(err, flows.ErrNotFound) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, d.ID)
			if err := db.MarkDeliveryProcessed(ctx, d.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff([]string{"a1", "a2"}, order); diff != "" {
			t.Errorf("deliveries up to a2 (-want +got):\n%s", diff)
		}
		wantErr(t, db.MarkDeliveryProcessed(ctx, "a1", time.Time{}), flows.ErrConflict)
		wantErr(t, db.MarkDeliveryProcessed(ctx, "nope", time.Time{}), flows.ErrNotFound)
		d, err := db.NextDelivery(ctx, "T/C/1", a3.Seq)
		if err != nil || d.ID != "a3" {
			t.Errorf("NextDelivery up to a3 = %v, %v; want a3", d.ID, err)
		}
	})
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		msgs := []inbox.OutboxMessage{
			{DeliveryID: "d1", Key: "k1", Payload: []byte("first"), CreatedAt: t0},
			{DeliveryID: "d1", Key: "k1", Payload: []byte("second"), CreatedAt: t0},
			{DeliveryID: "d2", Key: "k2", Payload: []byte("other"), CreatedAt: t0.Add(time.Minute)},
			{DeliveryID: "d3", Key: "k1", Payload: []byte("third"), CreatedAt: t0.Add(time.Hour)},
		}
		// The Slack adapter adds to the outbox in the engine's transaction,
		// so the Store InTx binds to it keeps the outbox too (delivery.Store).
		err := db.InTx(ctx, func(s flows.Store) error {
			q, ok := s.(interface {
				AddOutbox(context.Context, []inbox.OutboxMessage) error
			})
			if !ok {
				return fmt.Errorf("a transaction's Store (%T) keeps no outbox", s)
			}
			return q.AddOutbox(ctx, msgs)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.AddOutbox(ctx, []inbox.OutboxMessage{{DeliveryID: "d4", Key: "k1"}})
		wantErr(t, err, flows.ErrInvalid)
		err = db.AddOutbox(ctx, []inbox.OutboxMessage{{Key: "k1", Payload: []byte("x")}})
		wantErr(t, err, flows.ErrInvalid)

		got, err := db.PendingOutbox(ctx, "k1", 10)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, m := range got {
			texts = append(texts, string(m.Payload))
			if m.Key != "k1" || m.ID == 0 {
				t.Errorf("outbox message %+v", m)
			}
		}
		if diff := cmp.Diff([]string{"first", "second", "third"}, texts); diff != "" {
			t.Errorf("PendingOutbox(k1) (-want +got):\n%s", diff)
		}
		if !got[0].CreatedAt.Equal(stored(t0)) {
			t.Errorf("CreatedAt = %v, want %v", got[0].CreatedAt, stored(t0))
		}
		if two, _ := db.PendingOutbox(ctx, "k1", 2); len(two) != 2 {
			t.Errorf("PendingOutbox(k1, 2) gave %d", len(two))
		}

		stale, err := db.StaleOutbox(ctx, t0.Add(2*time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"d1", "d2"}, stale); diff != "" {
			t.Errorf("StaleOutbox (-want +got):\n%s", diff)
		}

		if err := db.DeleteOutbox(ctx, got[0].ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, db.DeleteOutbox(ctx, got[0].ID), flows.ErrNotFound)
		left, err := db.PendingOutbox(ctx, "k1", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || string(left[0].Payload) != "second" {
			t.Errorf("after deleting the first, PendingOutbox(k1) = %v", left)
		}
		// Several at once, passing over one already gone.
		if err := db.DeleteOutboxes(ctx, []int64{got[0].ID, left[0].ID, left[1].ID}); err != nil {
			t.Fatal(err)
		}
		if left, err := db.PendingOutbox(ctx, "k1", 10); err != nil || len(left) != 0 {
			t.Errorf("after deleting the rest, PendingOutbox(k1) = %v, %v", left, err)
		}
		if other, _ := db.PendingOutbox(ctx, "k2", 10); len(other) != 1 {
			t.Errorf("another key's message went too: %v", other)
		}
	})
}

func TestLocker(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		l, err := storage.NewLocker(ctx, db, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		unlock, err := l.Lock(ctx, "T/C/1")
		if err != nil {
			t.Fatal(err)
		}
		// Another key is not held up.
		unlockOther, err := l.Lock(ctx, "T/C/2")
		if err != nil {
			t.Fatal(err)
		}
		unlockOther()
		if db.Dialect() == storage.Postgres {
			// A second holder of the same key waits until the first lets go.
			got := make(chan error, 1)
			go func() {
				u, err := l.Lock(ctx, "T/C/1")
				if err == nil {
					u()
				}
				got <- err
			}()
			// Wait until PostgreSQL shows the second holder waiting.
			deadline := time.Now().Add(10 * time.Second)
			for {
				var waiting int
				err := db.SQL().QueryRowContext(ctx,
					`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting)
				if err != nil {
					t.Fatal(err)
				}
				if waiting == 1 {
					break
				}
				select {
				case err := <-got:
					t.Fatalf("second Lock returned (%v) while the first held the key", err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("the second Lock never waited")
				}
				runtime.Gosched()
			}
			unlock()
			select {
			case err := <-got:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("second Lock did not return after the first let go")
			}
			return
		}
		unlock()
	})
}

// TestLockerNested: a lock taken within the context Hold returned shares
// the holder's connection (a pool of one does not make it wait), holds
// the key against other holders, and is released before the outer one.
func TestLockerNested(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		l, err := storage.NewLocker(ctx, db, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		held, unlockOuter, err := l.Hold(ctx, "T/C")
		if err != nil {
			t.Fatal(err)
		}
		// With one connection in the pool, a second connection would
		// wait for ever: the test's deadline would end it.
		unlockInner, err := l.Lock(held, "T/C/1.0")
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == storage.Postgres {
			granted := func() (sessions, locks int) {
				t.Helper()
				err := db.SQL().QueryRowContext(ctx, `SELECT count(DISTINCT pid), count(*) FROM pg_locks
					WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&sessions, &locks)
				if err != nil {
					t.Fatal(err)
				}
				return sessions, locks
			}
			if s, n := granted(); s != 1 || n != 2 {
				t.Fatalf("both keys held: %d sessions hold %d advisory locks, want 1 and 2", s, n)
			}
			unlockInner()
			if s, n := granted(); s != 1 || n != 1 {
				t.Fatalf("inner key released: %d sessions hold %d advisory locks, want 1 and 1", s, n)
			}
		} else {
			unlockInner()
		}
		unlockOuter()
		// Both gone, and the connection back in the pool: a new holder of
		// either key gets it at once.
		for _, key := range []string{"T/C", "T/C/1.0"} {
			unlock, err := l.Lock(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			unlock()
		}
	})
}

// TestOutboxManyKeepsOrder: 70 messages added at once (several INSERTs of
// many rows on PostgreSQL) come back in the order given.
func TestOutboxManyKeepsOrder(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		var msgs []inbox.OutboxMessage
		var want []string
		for i := range 70 {
			p := fmt.Sprintf("m%02d", i)
			msgs = append(msgs, inbox.OutboxMessage{DeliveryID: fmt.Sprintf("d%d", i/3), Key: "k", Payload: []byte(p), CreatedAt: t0})
			want = append(want, p)
		}
		if err := db.AddOutbox(ctx, msgs); err != nil {
			t.Fatal(err)
		}
		got, err := db.PendingOutbox(ctx, "k", 100)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, m := range got {
			texts = append(texts, string(m.Payload))
		}
		if diff := cmp.Diff(want, texts); diff != "" {
			t.Errorf("PendingOutbox (-want +got):\n%s", diff)
		}
		// A bad message anywhere adds none.
		bad := append(append([]inbox.OutboxMessage(nil), msgs[:5]...), inbox.OutboxMessage{DeliveryID: "dx", Key: "k2"})
		wantErr(t, db.AddOutbox(ctx, bad), flows.ErrInvalid)
		if n, _ := db.PendingOutbox(ctx, "k", 100); len(n) != 70 {
			t.Errorf("%d messages after a refused batch, want 70", len(n))
		}
	})
}

// TestMarkDeliveriesProcessed: several deliveries are marked together; one
// processed already, or missing, is a conflict, and inside a transaction
// undoes the work with it.
func TestMarkDeliveriesProcessed(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		for _, id := range []string{"e1", "e2", "e3", "e4"} {
			if _, err := db.RecordDelivery(ctx, inbox.Delivery{ID: id, Kind: "event", Key: "k", Payload: []byte(`{}`), ReceivedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.MarkDeliveriesProcessed(ctx, []string{"e1", "e2", "e2"}, t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		left, err := db.PendingDeliveries(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || left[0].ID != "e3" || left[1].ID != "e4" {
			t.Fatalf("pending after marking e1 and e2: %+v", left)
		}
		for _, ids := range [][]string{{"e3", "e1"}, {"e3", "nope"}} {
			err := db.InTx(ctx, func(tx flows.Store) error {
				return tx.(interface {
					MarkDeliveriesProcessed(context.Context, []string, time.Time) error
				}).MarkDeliveriesProcessed(ctx, ids, t0.Add(time.Second))
			})
			wantErr(t, err, flows.ErrConflict)
			if left, _ := db.PendingDeliveries(ctx, 10); len(left) != 2 {
				t.Errorf("after a refused %v, %d pending; want e3 and e4 still", ids, len(left))
			}
		}
	})
}
