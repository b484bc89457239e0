package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
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
			until, err = h.slack.delivery.Limits().HeldUntil(ctx, testTeam, methodScope("chat.postMessage"))
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
