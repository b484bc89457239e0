package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"whatmatters/delivery"
	"whatmatters/storage"
)

// reflectionByHand starts a reflection in C1 and processes its command by
// hand (the harness has no runners or jobs), returning its thread.
func reflectionByHand(t *testing.T, h *harness, db *storage.DB, api *slackServer) string {
	t.Helper()
	ctx := context.Background()
	h.command("U1", "C1", "Kestrel")
	pending, err := db.PendingDeliveries(ctx, 1)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	if err := h.slack.Process(ctx, pending[0].ID, false); err != nil {
		t.Fatal(err)
	}
	return api.made("chat.postMessage")[0].TS
}

// deliveryJobs counts the delivery jobs River holds, in any state.
func deliveryJobs(t testing.TB, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(),
		`SELECT count(*) FROM river_job WHERE kind = 'slack_delivery'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNewDeliveriesAreProcessedWithoutJobs: a reflection started and
// answered goes through runners in the process that recorded it; River
// never holds a job for any of its deliveries.
func TestNewDeliveriesAreProcessedWithoutJobs(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U1", "C1", "Kestrel")
		posts := api.waitForCount(t, 2, "chat.postMessage")
		root := posts[0].TS
		h.message("EvRun1", "U1", "C1", root, "1700000100.000001", "Her garden.")
		h.message("EvRun2", "U1", "C1", root, "1700000101.000001", "Her daughter visits on Sundays.")
		posts = api.waitForCount(t, 4, "chat.postMessage")
		if !strings.Contains(posts[3].Text, "3 of 5") {
			t.Fatalf("posts:\n%s\nwant the reflection to reach its third question", describeCalls(posts))
		}
		assertDrained(t, db)
		if n := deliveryJobs(t, db); n != 0 {
			t.Errorf("%d delivery jobs; want none: new deliveries are processed by runners", n)
		}
	})
}

// TestRunnerRetriesAFailedPostItself: when Slack fails a runner's post
// (a 500), the runner backs off and posts it again itself when the wait
// is over, with no job.
func TestRunnerRetriesAFailedPostItself(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		api.fail = func(method string, n int) (int, string) {
			if method == "chat.postMessage" && n == 0 {
				return http.StatusInternalServerError, ""
			}
			return 0, ""
		}
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U1", "C1", "Kestrel")
		api.waitForCount(t, 2, "chat.postMessage")
		assertDrained(t, db)
		if n := deliveryJobs(t, db); n != 0 {
			t.Errorf("%d delivery jobs; want none: the runner retried the post itself", n)
		}
	})
}

// TestRunnerRetriesALostPostOnce: when Slack made a post but its answer
// was lost (a 500 after the fact), and then the look for that post failed
// too, the runner backs off each time and, when Slack answers again, finds
// the post and does not make it again; no job is needed. (A round that
// fails for another reason is left to a job: TestRunnerSurvivesAPanic.)
func TestRunnerRetriesALostPostOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		api.lose = func(method string, n int) bool { return method == "chat.postMessage" && n == 0 }
		api.fail = func(method string, n int) (int, string) {
			if method == "conversations.history" && n == 0 {
				return http.StatusInternalServerError, ""
			}
			return 0, ""
		}
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U1", "C1", "Kestrel")
		api.waitForCount(t, 2, "chat.postMessage")
		assertDrained(t, db)
		if n := deliveryJobs(t, db); n != 0 {
			t.Errorf("%d delivery jobs; want none", n)
		}
		if n := len(api.made("conversations.history")); n != 1 {
			t.Errorf("the channel was read %d times (after the failed look); want once", n)
		}
		if posts := api.made("chat.postMessage"); len(posts) != 2 {
			t.Errorf("%d posts, want the root once and its question:\n%s", len(posts), describeCalls(posts))
		}
	})
}

// TestRunnerRoundTakesEveryWaitingDelivery: deliveries of one key recorded
// by concurrent transactions can reach the runner out of order; a runner's
// round therefore processes every unprocessed delivery of the key, where a
// job's stops at its own.
func TestRunnerRoundTakesEveryWaitingDelivery(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{}) // no jobs, no runners: nothing processes by itself
		h.command("U1", "C1", "Kestrel")
		h.command("U2", "C1", "help")
		ctx := context.Background()
		pending, err := db.PendingDeliveries(ctx, 10)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending = %d, %v; want both commands", len(pending), err)
		}
		first := pending[0].ID
		if err := h.slack.Process(ctx, first, false); err != nil {
			t.Fatal(err)
		}
		if left, _ := db.PendingDeliveries(ctx, 10); len(left) != 1 {
			t.Fatalf("a job's run left %d deliveries; want the later one", len(left))
		}
		if err := h.slack.delivery.RunKey(ctx, first); err != nil {
			t.Fatal(err)
		}
		if left, _ := db.PendingDeliveries(ctx, 10); len(left) != 0 {
			t.Errorf("a runner's round left %d deliveries; want none", len(left))
		}
		if eph := api.made("chat.postEphemeral"); len(eph) == 0 {
			t.Errorf("calls: %s; want the help answered", describeCalls(api.made()))
		}
	})
}

// TestReactionsOfAThreadGoTogether: the ticks owed for a batch of answers
// in one thread are added together; one that Slack rate-limits stays in
// the outbox, held back for its method, while the others are done and gone
// from it.
func TestReactionsOfAThreadGoTogether(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		api.fail = func(method string, n int) (int, string) {
			if method == "reactions.add" && n == 2 {
				return http.StatusTooManyRequests, "30"
			}
			return 0, ""
		}
		h := newHarness(t, db, api, harnessOptions{}) // processed by hand below
		ctx := context.Background()
		root := reflectionByHand(t, h, db, api)
		// A colleague answers six times; each answer is ticked (after a
		// first notice asking for their discipline).
		for i := range 6 {
			h.message(fmt.Sprintf("EvTick%d", i), "U2", "C1", root,
				fmt.Sprintf("1700000200.00000%d", i), "She liked the radio on.")
		}
		pending, err := db.PendingDeliveries(ctx, 10)
		if err != nil || len(pending) != 6 {
			t.Fatalf("pending = %d, %v; want the six answers", len(pending), err)
		}
		before := time.Now()
		err = h.slack.delivery.RunKey(ctx, pending[0].ID)
		after := time.Now()
		var later *delivery.RetryLater
		if !errors.As(err, &later) {
			t.Fatalf("process = %v; want a wait for the rate limit", err)
		}
		if tries := api.made("reactions.add", "reactions.add failed 429"); len(tries) != 6 {
			t.Errorf("reactions tried: %d; want all six at once", len(tries))
		}
		var left int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 1 {
			t.Errorf("%d messages left in the outbox; want the rate-limited tick alone", left)
		}
		// Held for Retry-After's 30 s from when Slack said so, within the
		// call to process.
		until, err := h.slack.delivery.Limits().HeldUntil(ctx, testTeam, methodScope("reactions.add"))
		if err != nil || until.Before(before.Add(30*time.Second)) || until.After(after.Add(30*time.Second)) {
			t.Errorf("reactions.add held until %v (%v); want 30 s after the 429, between %v and %v", until, err,
				before.Add(30*time.Second), after.Add(30*time.Second))
		}
	})
}

// TestRunnerBatchesAreShortWhileAcknowledging: while a delivery waits to
// be recorded, a runner's transactions take at most four replies (on
// SQLite the acknowledgement waits for the connection a batch holds);
// otherwise they take every reply waiting, up to 32.
func TestRunnerBatchesAreShortWhileAcknowledging(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{}) // processed by hand below
		ctx := context.Background()
		root := reflectionByHand(t, h, db, api)
		batches := func(round string) []int {
			t.Helper()
			for i := range 10 {
				h.message(fmt.Sprintf("Ev%s%d", round, i), "U2", "C1", root, fmt.Sprintf("1700000300.%06d", len(round)*100+i), "She liked the window open.")
			}
			pending, err := db.PendingDeliveries(ctx, 20)
			if err != nil || len(pending) != 10 {
				t.Fatalf("pending = %d, %v; want 10", len(pending), err)
			}
			before := strings.Count(h.logs.String(), "delivery: processed")
			if err := h.slack.delivery.RunKey(ctx, pending[0].ID); err != nil {
				t.Fatal(err)
			}
			var sizes []int
			lines := strings.Split(h.logs.String(), "\n")
			seen := 0
			for _, l := range lines {
				if !strings.Contains(l, "delivery: processed") {
					continue
				}
				if seen++; seen <= before {
					continue
				}
				n := 1
				if _, after, ok := strings.Cut(l, "batch="); ok {
					fmt.Sscanf(after, "%d", &n)
				}
				sizes = append(sizes, n)
			}
			return sizes
		}
		done := h.slack.delivery.Acknowledging() // an acknowledgement is being recorded
		busy := batches("Busy")
		done()
		quiet := batches("Quiet")
		if len(busy) != 10 || slices.Max(busy) > 4 /* delivery.maxBatchWhileAcking */ {
			t.Errorf("while acknowledging, batch sizes %v; want 10 replies in batches of at most %d", busy, 4 /* delivery.maxBatchWhileAcking */)
		}
		if len(quiet) != 10 || slices.Max(quiet) < 9 {
			t.Errorf("when quiet, batch sizes %v; want the replies (after the first) in one batch", quiet)
		}
	})
}

// TestFailedBatchLeavesNothingHalfDone: replies processed together in one
// transaction, one of which cannot be read: the batch is undone as a whole
// and the replies are processed one at a time, so each readable answer is
// stored exactly once and the unreadable one is given up on.
func TestFailedBatchLeavesNothingHalfDone(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{}) // processed by hand below
		ctx := context.Background()
		root := reflectionByHand(t, h, db, api)
		for i := range 4 {
			h.message(fmt.Sprintf("EvHalf%d", i), "U2", "C1", root, fmt.Sprintf("1700000400.00000%d", i), fmt.Sprintf("Answer number %d.", i))
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE inbox SET payload = $1 WHERE id = 'EvHalf2'`, []byte("{not json")); err != nil {
			t.Fatal(err)
		}
		pending, _ := db.PendingDeliveries(ctx, 10)
		if len(pending) != 4 {
			t.Fatalf("pending = %d; want the 4 replies", len(pending))
		}
		// The last reply's run takes the four together first.
		if err := h.slack.Process(ctx, pending[3].ID, false); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h.logs.String(), "processed one at a time") {
			t.Errorf("the batch did not fail and fall back; logs:\n%s", h.logs.String())
		}
		if left, _ := db.PendingDeliveries(ctx, 10); len(left) != 0 {
			t.Errorf("%d deliveries left unprocessed", len(left))
		}
		rows, err := db.SQL().QueryContext(ctx, `SELECT text FROM answers WHERE author = 'U2' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var texts []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			texts = append(texts, s)
		}
		want := []string{"Answer number 0.", "Answer number 1.", "Answer number 3."}
		if !slices.Equal(texts, want) {
			t.Errorf("answers %q; want %q, each once", texts, want)
		}
	})
}
