package storage

import (
	"testing"
	"time"
)

// TestSQLiteTimeComparisons checks that a time given as a query argument
// compares in SQL as it does in Go, on SQLite, where times are text.
func TestSQLiteTimeComparisons(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, "sqlite:"+t.TempDir()+"/t.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	base := time.Date(2024, 2, 29, 23, 59, 5, 0, time.UTC)
	times := []time.Time{
		base,
		base.Add(time.Microsecond),
		base.Add(500 * time.Millisecond),
		base.Add(time.Second),
		base.Add(-time.Microsecond),
		time.Date(2024, 3, 1, 8, 0, 0, 0, time.FixedZone("", 9*3600)), // base - 59:05 in UTC
	}
	for i, at := range times {
		_, err := db.SQL().ExecContext(ctx, `INSERT INTO inbox (id, kind, received_at) VALUES ($1, 'event', $2)`,
			i, SQLite.timeArg(at))
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, pivot := range times {
		want := 0
		for _, at := range times {
			if storedTime(at).Before(storedTime(pivot)) {
				want++
			}
		}
		var got int
		err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM inbox WHERE received_at < $1`,
			SQLite.timeArg(pivot)).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("received_at < %v: %d rows, want %d", pivot, got, want)
		}
	}

	// SQLite's date functions read the stored form.
	var day string
	err = db.SQL().QueryRowContext(ctx, `SELECT date(received_at) FROM inbox WHERE id = '3'`).Scan(&day)
	if err != nil {
		t.Fatal(err)
	}
	if day != "2024-02-29" {
		t.Errorf("date(received_at) = %q, want 2024-02-29", day)
	}
}

func TestTimeDest(t *testing.T) {
	want := time.Date(2024, 2, 29, 23, 59, 5, 123456000, time.UTC)
	for _, src := range []any{
		"2024-02-29T23:59:05.123456Z",
		[]byte("2024-02-29T23:59:05.123456Z"),
		"2024-03-01T00:59:05.123456789+01:00",
		want.In(time.FixedZone("", -3600)).Add(789),
	} {
		var got time.Time
		if err := (timeDest{&got}).Scan(src); err != nil {
			t.Fatalf("Scan(%v): %v", src, err)
		}
		if got != want {
			t.Errorf("Scan(%v) = %v, want %v", src, got, want)
		}
	}
	got := time.Now()
	if err := (timeDest{&got}).Scan(nil); err != nil || !got.IsZero() {
		t.Errorf("Scan(nil) = %v, %v; want the zero time", got, err)
	}
	if err := (timeDest{&got}).Scan("yesterday"); err == nil {
		t.Error("Scan(\"yesterday\") succeeded")
	}
}
