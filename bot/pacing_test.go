package bot

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
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
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
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
		deadline := time.Now().Add(10 * time.Second)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			m := metric(t, h, `whatmatters_slack_rate_limit_waits_total{cause="pace"}`)
			if m != "" && m != "0" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pace waits = %q; want the busy channel's waits counted", m)
			}
			<-tick.C
		}
	})
}

// TestRetryAfterHoldsTheMethodEverywhere: a 429 with Retry-After on one
// channel's post holds chat.postMessage back for the whole workspace and
// every job (on PostgreSQL, of two instances sharing the database): no
// post to any channel reaches Slack before the wait is over, and every
// reply still arrives, once.
func TestRetryAfterHoldsTheMethodEverywhere(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 1})
		if db.Dialect() == storage.Postgres {
			// A second instance works the same queue.
			newHarness(t, db, api, harnessOptions{workers: 1, noServer: true})
		}
		h.command("U1", "C1", "Kestrel")
		root := api.waitForCount(t, 2, "chat.postMessage")[0]

		var armed atomic.Bool
		armed.Store(true)
		api.mu.Lock()
		api.fail = func(method string, _ int) (int, string) {
			if method == "chat.postMessage" && armed.CompareAndSwap(true, false) {
				return http.StatusTooManyRequests, "1"
			}
			return 0, ""
		}
		api.mu.Unlock()

		// An answer in C1's thread owes its next question; a reflection in
		// C2 owes a root and a question.
		h.message("EvAns1", "U1", "C1", root.TS, "1700000100.000001", "Her garden and her grandson.")
		h.command("U2", "C2", "Teal")
		calls := api.waitFor(t, "every post", func(cs []apiCall) bool {
			ok := 0
			for _, c := range cs {
				if c.Method == "chat.postMessage" {
					ok++
				}
			}
			return ok == 5
		})
		var limitedAt time.Time
		for _, c := range calls {
			if c.Method == "chat.postMessage failed 429" {
				limitedAt = c.At
			}
		}
		if limitedAt.IsZero() {
			t.Fatal("Slack's 429 was never reached")
		}
		// Two threads are worked at once (by a runner and a job, and on
		// PostgreSQL by two instances), so the other may have sent a post
		// before the 429 reached this one: one call within 100 ms is in
		// flight, not a call made after Slack said to wait.
		inFlight := 0
		for _, c := range calls {
			if !strings.HasPrefix(c.Method, "chat.postMessage") || !c.At.After(limitedAt) || !c.At.Before(limitedAt.Add(time.Second-20*time.Millisecond)) {
				continue
			}
			if c.At.Sub(limitedAt) < 100*time.Millisecond && inFlight == 0 {
				inFlight++
				continue
			}
			t.Errorf("%s to %s at +%s, before Retry-After had passed:\n%s", c.Method, c.Channel, c.At.Sub(limitedAt), describeCalls(calls))
		}
		assertDrained(t, db)
		if got := len(api.made("chat.postMessage")); got != 5 {
			t.Errorf("%d posts, want 5 (none twice)", got)
		}
	})
}
