package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"whatmatters/storage"
)

// TestBusyChannelDoesNotHoldUpQuietOne paces posts as Slack asks (a short
// burst, then one a second per channel) with a single worker: ten
// reflections started in one channel owe it twenty posts, twenty seconds'
// worth, yet a reflection started afterwards in a quiet channel is posted
// long before they are all out, because waiting for a channel's slot
// snoozes the job instead of holding the worker. Each reflection's root
// still comes before its first question.
func TestBusyChannelDoesNotHoldUpQuietOne(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 1, slackOpts: func(o *SlackOptions) {
			o.PostInterval = time.Second
		}})
		const busy = 10
		for i := range busy {
			h.command("U1", "CBUSY", fmt.Sprintf("Busy%d", i))
		}
		h.command("U2", "CQUIET", "Quiet")
		calls := api.waitFor(t, "the quiet channel's root and first question", func(cs []apiCall) bool {
			n := 0
			for _, c := range cs {
				if c.Method == "chat.postMessage" && c.Channel == "CQUIET" {
					n++
				}
			}
			return n == 2
		})
		busyPosts := 0
		for _, c := range calls {
			if c.Method == "chat.postMessage" && c.Channel == "CBUSY" {
				busyPosts++
			}
		}
		if busyPosts >= 2*busy {
			t.Fatalf("the quiet channel waited for all %d of the busy channel's posts", busyPosts)
		}
		// Root, then its question in its thread, for the quiet reflection.
		var quiet []apiCall
		for _, c := range calls {
			if c.Method == "chat.postMessage" && c.Channel == "CQUIET" {
				quiet = append(quiet, c)
			}
		}
		if quiet[0].Thread != "" || quiet[1].Thread != quiet[0].TS || !strings.Contains(quiet[1].Text, "1 of") {
			t.Errorf("quiet channel's posts:\n%s", describeCalls(quiet))
		}
		// The busy channel's waits are counted (they may come after the
		// quiet channel's posts: the two are worked side by side).
		eventually(t, "the busy channel's waits counted", func() (bool, string) {
			m := metric(t, h, `whatmatters_slack_rate_limit_waits_total{cause="pace"}`)
			return m != "" && m != "0", fmt.Sprintf("pace waits = %q", m)
		})
	})
}

// TestRetryAfterHoldsTheMethodEverywhere: a 429 with Retry-After on one
// channel's post holds chat.postMessage back for the whole workspace and
// every job (on PostgreSQL, of two instances sharing the database): a post
// to another channel, owed once Slack has said to wait, does not reach
// Slack before the wait is over, and every reply still arrives, once.
//
// Nothing else is being posted when the 429 comes, so no post can have
// been on its way already: none at all may arrive until the hold ends,
// however slow the machine (a slow one only lets the hold run out sooner).
func TestRetryAfterHoldsTheMethodEverywhere(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 1})
		if db.Dialect() == storage.Postgres {
			// A second instance works the same queue.
			newHarness(t, db, api, harnessOptions{workers: 1, noServer: true})
		}
		h.command("U1", "C1", "Kestrel")
		h.command("U2", "C2", "Teal")
		posts := api.waitForCount(t, 4, "chat.postMessage")
		assertDrained(t, db)
		roots := map[string]string{}
		for _, p := range posts {
			if p.Thread == "" {
				roots[p.Channel] = p.TS
			}
		}

		var armed atomic.Bool
		armed.Store(true)
		api.mu.Lock()
		api.fail = func(method string, _ int) (int, string) {
			if method == "chat.postMessage" && armed.CompareAndSwap(true, false) {
				return http.StatusTooManyRequests, "2"
			}
			return 0, ""
		}
		api.mu.Unlock()

		// An answer in C1's thread owes its next question: Slack says wait.
		h.message("EvAns1", "U1", "C1", roots["C1"], "1700000100.000001", "Her garden and her grandson.")
		limitedAt := api.waitForCount(t, 1, "chat.postMessage failed 429")[0].At
		var until time.Time
		eventually(t, "the 429's hold recorded for every job", func() (bool, string) {
			var err error
			until, err = h.slack.limits.HeldUntil(ctx, testTeam, methodScope("chat.postMessage"))
			if err != nil {
				t.Fatal(err)
			}
			return until.After(limitedAt), fmt.Sprintf("chat.postMessage held until %v", until)
		})
		// Now an answer in C2's thread owes a post too, in another channel,
		// worked by another runner or job (or instance).
		h.message("EvAns2", "U2", "C2", roots["C2"], "1700000100.000002", "Her dog and the radio.")
		calls := api.waitForCount(t, 6, "chat.postMessage")
		for _, c := range calls {
			if strings.HasPrefix(c.Method, "chat.postMessage") && c.At.After(limitedAt) && c.At.Before(until) {
				t.Errorf("%s to %s at +%s, before the hold (+%s) was over:\n%s", c.Method, c.Channel,
					c.At.Sub(limitedAt), until.Sub(limitedAt), describeCalls(api.made()))
			}
		}
		assertDrained(t, db)
		calls = api.made("chat.postMessage")
		if len(calls) != 6 {
			t.Errorf("%d posts, want 6 (none twice):\n%s", len(calls), describeCalls(calls))
		}
		for _, ch := range []string{"C1", "C2"} {
			n := 0
			for _, c := range calls {
				if c.Channel == ch && c.Thread == roots[ch] {
					n++
				}
			}
			if n != 2 {
				t.Errorf("%d posts in %s's thread, want its first question and the one after the answer:\n%s", n, ch, describeCalls(calls))
			}
		}
	})
}

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
		scope := methodScope("reactions.add")
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
	t.Run("memory", func(t *testing.T) { check(t, newMemLimits()) })
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
