package storage_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestDeliveries(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		d1 := inbox.Delivery{ID: "Ev1", Kind: "event", Payload: []byte(`{"a":1}`), ReceivedAt: t0.Add(time.Second)}
		d2 := inbox.Delivery{ID: "Ev2", Kind: "command", Payload: []byte{0, 1, 2, 0xff}, ReceivedAt: t0}
		d3 := inbox.Delivery{ID: "Ev3", Kind: "interaction", ReceivedAt: t0.Add(2 * time.Second)}
		for _, d := range []inbox.Delivery{d1, d2, d3} {
			isNew, err := db.RecordDelivery(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if !isNew {
				t.Errorf("RecordDelivery(%s) first time: not new", d.ID)
			}
		}
		again := d1
		again.Payload = []byte("replaced?")
		isNew, err := db.RecordDelivery(ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		if isNew {
			t.Error("RecordDelivery twice: second reported new")
		}
		_, err = db.RecordDelivery(ctx, inbox.Delivery{Kind: "event"})
		wantErr(t, err, flows.ErrInvalid)

		// Sequence numbers follow the order of recording: d1, d2, d3.
		seqs := map[string]int64{}
		for _, d := range []inbox.Delivery{d1, d2, d3} {
			got, err := db.GetDelivery(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			seqs[d.ID] = got.Seq
		}
		if !(seqs["Ev1"] < seqs["Ev2"] && seqs["Ev2"] < seqs["Ev3"]) {
			t.Errorf("sequence numbers %v do not follow the order of recording", seqs)
		}
		storedD := func(d inbox.Delivery) inbox.Delivery {
			d.Seq = seqs[d.ID]
			d.ReceivedAt = stored(d.ReceivedAt)
			d.ProcessedAt = stored(d.ProcessedAt)
			if d.ProcessedAt.Equal(stored(time.Time{})) {
				d.ProcessedAt = time.Time{}
			}
			return d
		}
		pending, err := db.PendingDeliveries(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]inbox.Delivery{storedD(d2), storedD(d1), storedD(d3)}, pending); diff != "" {
			t.Errorf("PendingDeliveries (-want +got):\n%s", diff)
		}
		pending, err = db.PendingDeliveries(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 2 || pending[0].ID != "Ev2" || pending[1].ID != "Ev1" {
			t.Errorf("PendingDeliveries(2) = %v", pending)
		}
		pending, err = db.PendingDeliveries(ctx, 0)
		if err != nil || len(pending) != 0 {
			t.Errorf("PendingDeliveries(0) = %v, %v; want none", pending, err)
		}

		if err := db.MarkDeliveryProcessed(ctx, "Ev2", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, db.MarkDeliveryProcessed(ctx, "Ev404", t0), flows.ErrNotFound)
		pending, err = db.PendingDeliveries(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]inbox.Delivery{storedD(d1), storedD(d3)}, pending); diff != "" {
			t.Errorf("PendingDeliveries after processing (-want +got):\n%s", diff)
		}
		var payload []byte
		var processed bool
		err = db.SQL().QueryRowContext(ctx,
			`SELECT payload, processed_at IS NOT NULL FROM inbox WHERE id = 'Ev2'`).Scan(&payload, &processed)
		if err != nil {
			t.Fatal(err)
		}
		if payload != nil || !processed {
			t.Errorf("processed delivery: payload %q, processed %v; want no payload, processed", payload, processed)
		}
		// A processed delivery recorded again is still not new.
		isNew, err = db.RecordDelivery(ctx, d2)
		if err != nil || isNew {
			t.Errorf("RecordDelivery of a processed delivery = %v, %v; want not new", isNew, err)
		}
	})
}

func TestTimes(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		// Times whose text forms would sort wrongly if fraction digits were
		// trimmed (…:05Z after …:05.5Z), plus the far past and a leap day.
		base := time.Date(2024, 2, 29, 23, 59, 5, 0, time.UTC)
		times := []time.Time{
			base.Add(500 * time.Millisecond),
			base,
			base.Add(999_999 * time.Microsecond),
			base.Add(1),    // a nanosecond: truncated to base
			base.Add(1000), // one microsecond
			time.Date(1999, 12, 31, 23, 59, 59, 999_999_000, time.FixedZone("", -5*3600)),
			base.Add(-time.Microsecond),
			time.Date(2024, 3, 1, 0, 0, 0, 0, time.FixedZone("", 14*3600)), // before base in UTC
		}
		for i, at := range times {
			if _, err := db.RecordDelivery(ctx, inbox.Delivery{ID: fmt.Sprint("E", i), Kind: "event", ReceivedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.PendingDeliveries(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var gotTimes []time.Time
		for _, d := range got {
			gotTimes = append(gotTimes, d.ReceivedAt)
			i, _ := strconv.Atoi(strings.TrimPrefix(d.ID, "E"))
			if !d.ReceivedAt.Equal(stored(times[i])) || d.ReceivedAt.Location() != time.UTC {
				t.Errorf("delivery %s: ReceivedAt = %v, stored %v", d.ID, d.ReceivedAt, stored(times[i]))
			}
		}
		for i := 1; i < len(gotTimes); i++ {
			if gotTimes[i].Before(gotTimes[i-1]) {
				t.Errorf("PendingDeliveries out of order: %v before %v", gotTimes[i-1], gotTimes[i])
			}
		}

		// < in SQL agrees with Go on every pair.
		wantLess := 0
		for _, a := range times {
			for _, b := range times {
				if stored(a).Before(stored(b)) {
					wantLess++
				}
			}
		}
		var gotLess int
		err = db.SQL().QueryRowContext(ctx,
			`SELECT count(*) FROM inbox a JOIN inbox b ON a.received_at < b.received_at`).Scan(&gotLess)
		if err != nil {
			t.Fatal(err)
		}
		if gotLess != wantLess {
			t.Errorf("SQL finds %d pairs in order, Go %d", gotLess, wantLess)
		}

		// Zero times are NULL in the database and zero again when read.
		var nulls int
		err = db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM inbox WHERE processed_at IS NULL`).Scan(&nulls)
		if err != nil {
			t.Fatal(err)
		}
		if nulls != len(times) {
			t.Errorf("%d rows with NULL processed_at, want %d", nulls, len(times))
		}
		for _, d := range got {
			if !d.ProcessedAt.IsZero() {
				t.Errorf("delivery %s: ProcessedAt = %v, want zero", d.ID, d.ProcessedAt)
			}
		}
	})
}

// TestRecordDeliveriesInBatches: a batch records its new deliveries
// with sequence numbers in the batch's order, says which were new (one
// already recorded is not; one repeated within the batch is new only the
// first time), and keeps the first payload of a repeat.
func TestRecordDeliveriesInBatches(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		if _, err := db.RecordDelivery(ctx, inbox.Delivery{ID: "EvOld", Kind: "event", Key: "T/C", ReceivedAt: t0}); err != nil {
			t.Fatal(err)
		}
		batch := []inbox.Delivery{
			{ID: "EvB1", Kind: "event", Key: "T/C", Payload: []byte("one"), ReceivedAt: t0},
			{ID: "EvOld", Kind: "event", Key: "T/C", ReceivedAt: t0},
			{ID: "EvB2", Kind: "command", Key: "T/C", Payload: []byte("two"), ReceivedAt: t0},
			{ID: "EvB1", Kind: "event", Key: "T/C", Payload: []byte("one again"), ReceivedAt: t0},
		}
		var isNew []bool
		err := db.InTx(ctx, func(tx flows.Store) error {
			var err error
			isNew, err = tx.(interface {
				RecordDeliveries(ctx context.Context, ds []inbox.Delivery) ([]bool, error)
			}).RecordDeliveries(ctx, batch)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]bool{true, false, true, false}, isNew); diff != "" {
			t.Errorf("new (-want +got):\n%s", diff)
		}
		old, _ := db.GetDelivery(ctx, "EvOld")
		b1, err1 := db.GetDelivery(ctx, "EvB1")
		b2, err2 := db.GetDelivery(ctx, "EvB2")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !(old.Seq < b1.Seq && b1.Seq < b2.Seq) {
			t.Errorf("seq old %d, B1 %d, B2 %d; want increasing in the batch's order", old.Seq, b1.Seq, b2.Seq)
		}
		if string(b1.Payload) != "one" || b2.Kind != "command" {
			t.Errorf("B1 payload %q, B2 kind %q", b1.Payload, b2.Kind)
		}
		// A large batch goes in several statements, in order.
		var big []inbox.Delivery
		for i := range 87 {
			big = append(big, inbox.Delivery{ID: fmt.Sprintf("EvBig%02d", i), Kind: "event", Key: "T/C", ReceivedAt: t0})
		}
		if err := db.InTx(ctx, func(tx flows.Store) error {
			var err error
			isNew, err = tx.(interface {
				RecordDeliveries(ctx context.Context, ds []inbox.Delivery) ([]bool, error)
			}).RecordDeliveries(ctx, big)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		last := b2.Seq
		for i, d := range big {
			got, err := db.GetDelivery(ctx, d.ID)
			if err != nil || !isNew[i] || got.Seq <= last {
				t.Fatalf("big batch row %d: new %v, seq %d after %d, %v", i, isNew[i], got.Seq, last, err)
			}
			last = got.Seq
		}
		// Outside a transaction it records them too.
		isNew, err = db.RecordDeliveries(ctx, []inbox.Delivery{{ID: "EvB3", Kind: "event", Key: "T/C", ReceivedAt: t0}, {ID: "EvB2", Kind: "event", Key: "T/C", ReceivedAt: t0}})
		if err != nil || !isNew[0] || isNew[1] {
			t.Errorf("outside a transaction: %v, %v; want [true false]", isNew, err)
		}
	})
}
