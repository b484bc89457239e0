package delivery

import (
	"context"
	"sync"
	"testing"
	"time"
	"whatmatters/storage"
)

// TestBackoffLimits: the limits a failing Slack is backed off by, in one
// process (memLimits) and in the database every instance shares. Calls
// failing together count as one failure; while the hold lasts nothing
// goes; then exactly one caller of many racing books the probe, the others
// wait for its outcome; a failed probe doubles the streak, and one that
// goes through ends it, letting calls go at once. A 429's hold stays
// apart from the streak.
func TestBackoffLimits(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, l Limits) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000)
		scope := "method:reactions.add"
		gate := func() (time.Time, int) {
			t.Helper()
			until, failures, err := l.Gate(ctx, "T1", scope)
			if err != nil {
				t.Fatal(err)
			}
			return until, failures
		}
		if until, f := gate(); !until.IsZero() || f != 0 {
			t.Fatalf("unknown scope: held until %v after %d failures; want neither", until, f)
		}
		// Eight calls in flight fail together: one failure.
		for range 8 {
			if err := l.Backoff(ctx, "T1", scope, 0, now.Add(250*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		if until, f := gate(); f != 1 || !until.Equal(now.Add(250*time.Millisecond)) {
			t.Fatalf("after eight failures together: %d failures, held until +%s; want 1, +250ms", f, until.Sub(now))
		}
		// Before the hold ends no probe is booked.
		if ok, until, err := l.Probe(ctx, "T1", scope, now.Add(100*time.Millisecond), now.Add(1100*time.Millisecond), 1); err != nil || ok || !until.Equal(now.Add(250*time.Millisecond)) {
			t.Fatalf("probe during the hold: booked %v until +%s (%v); want not, +250ms", ok, until.Sub(now), err)
		}
		// After it, one of many racing callers books it.
		at := now.Add(300 * time.Millisecond)
		var mu sync.Mutex
		booked := 0
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				ok, _, err := l.Probe(ctx, "T1", scope, at, at.Add(time.Second), 1)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					booked++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if booked != 1 {
			t.Fatalf("%d of 16 racing callers booked the probe; want 1", booked)
		}
		// The probe fails: two in a row, held for longer.
		if err := l.Backoff(ctx, "T1", scope, 1, at.Add(500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if until, f := gate(); f != 2 || !until.Equal(at.Add(time.Second)) {
			t.Fatalf("after the failed probe: %d failures, held until +%s; want 2, the probe's window (+1.3s)", f, until.Sub(now))
		}
		// Another probe goes through: over, and calls go at once.
		at = at.Add(2 * time.Second)
		if ok, _, err := l.Probe(ctx, "T1", scope, at, at.Add(time.Second), 2); err != nil || !ok {
			t.Fatalf("probe after the hold: booked %v (%v); want booked", ok, err)
		}
		if err := l.Recovered(ctx, "T1", scope, at); err != nil {
			t.Fatal(err)
		}
		if until, f := gate(); f != 0 || until.After(at) {
			t.Fatalf("after a probe went through: %d failures, held until +%s; want none", f, until.Sub(now))
		}
		// A 429's hold is no failure, and a recovery does not count it as one.
		if err := l.Hold(ctx, "T1", scope, at.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if until, f := gate(); f != 0 || !until.Equal(at.Add(2*time.Second)) {
			t.Fatalf("after a 429: %d failures, held until +%s; want 0, +2s", f, until.Sub(at))
		}
	}
	t.Run("memory", func(t *testing.T) { check(t, NewMemLimits()) })
	eachDB(t, func(t *testing.T, db *storage.DB) { check(t, db) })
}

// TestBackoffGrows: the wait after n failures in a row is between half
// and all of 250ms·2ⁿ⁻¹, and never over 20 s.
func TestBackoffGrows(t *testing.T) {
	for n := 1; n <= 40; n++ {
		full := backoffMax
		if n < 20 {
			full = min(backoffBase<<(n-1), backoffMax)
		}
		for range 50 {
			if d := backoff(n); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %s; want %s to %s", n, d, full/2, full)
			}
		}
	}
}
