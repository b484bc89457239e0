package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"whatmatters/delivery"
	"whatmatters/storage"
)

// TestKilledInstancesJobIsRescued: an instance died while its job for an
// acknowledged command was running (the job is left "running", and stays
// unique, so neither Slack's retries nor the sweep can enqueue it again).
// A new instance finds the stuck job when it starts and does the work at
// once, rather than an hour later.
func TestKilledInstancesJobIsRescued(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{}) // no jobs yet: the instance that died
		stubEnqueue(h.slack)
		h.command("U1", "C1", "Kestrel")
		var id string
		if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM inbox`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		// The dead instance's job began a minute ago: stuck, by River's
		// count, after 30 s. A live job is given as long, however slow the
		// machine.
		opts := JobOptions{Workers: 2, FetchPollInterval: time.Second, RetryPolicy: quickRetry{},
			SweepEvery: time.Hour, CheckInEvery: -1, DigestsEvery: -1, TestOnly: true,
			JobTimeout: 30 * time.Second, RescueAfter: 30 * time.Second}
		if db.Dialect() == storage.Postgres {
			startStuck(t, db, riverpgxv5.New(db.Pool()), h.slack, id, opts)
		} else {
			startStuck(t, db, riversqlite.New(db.SQL()), h.slack, id, opts)
		}
		posts := api.waitForCount(t, 2, "chat.postMessage")
		if posts[1].Thread != posts[0].TS {
			t.Errorf("posts after rescue:\n%s", describeCalls(posts))
		}
		assertDrained(t, db)
	})
}

// TestSweepDoesAKilledInstancesWorkAtOnce: as above, but River's rescue is
// an hour away. The sweep finds the delivery waiting and hands it to a
// runner, which takes the key's lock and does the work, although River
// still counts the dead instance's job as running and will not enqueue the
// delivery again.
func TestSweepDoesAKilledInstancesWorkAtOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{slackOpts: func(o *SlackOptions) { o.SweepAge = time.Nanosecond }})
		stubEnqueue(h.slack)
		h.command("U1", "C1", "Kestrel")
		var id string
		if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM inbox`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		opts := JobOptions{Workers: 2, FetchPollInterval: time.Second, RetryPolicy: quickRetry{},
			SweepEvery: time.Hour, CheckInEvery: -1, DigestsEvery: -1, TestOnly: true,
			JobTimeout: 30 * time.Second, RescueAfter: time.Hour}
		if db.Dialect() == storage.Postgres {
			startStuck(t, db, riverpgxv5.New(db.Pool()), h.slack, id, opts)
		} else {
			startStuck(t, db, riversqlite.New(db.SQL()), h.slack, id, opts)
		}
		if n, err := h.slack.RequeueWaiting(ctx); err != nil || n != 1 {
			t.Fatalf("sweep took %d, %v; want the waiting delivery", n, err)
		}
		posts := api.waitForCount(t, 2, "chat.postMessage")
		if posts[1].Thread != posts[0].TS {
			t.Errorf("posts after the sweep:\n%s", describeCalls(posts))
		}
		assertDrained(t, db)
	})
}

// startStuck leaves the delivery's job as a dead instance would, running
// since a minute ago, then starts a new instance's job queue.
func startStuck[TTx any](t *testing.T, db *storage.DB, driver riverdriver.Driver[TTx], s *Slack, deliveryID string, opts JobOptions) {
	t.Helper()
	ctx := context.Background()
	if err := MigrateJobs(ctx, driver, nil); err != nil {
		t.Fatal(err)
	}
	client, err := NewJobs(driver, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Insert(ctx, delivery.DeliveryArgs{DeliveryID: deliveryID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $1, attempted_by = '{dead-instance}' WHERE id = $2`
	at := any(time.Now().Add(-time.Minute).UTC())
	if db.Dialect() != storage.Postgres {
		q = strings.Replace(q, `'{dead-instance}'`, `'["dead-instance"]'`, 1)
		at = time.Now().Add(-time.Minute).UTC().Format("2006-01-02 15:04:05.999999")
	}
	if r, err := db.SQL().ExecContext(ctx, q, at, res.Job.ID); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("%d jobs made stuck, want 1", n)
	}
	// /metrics would show it stuck.
	if qs, err := db.QueueStats(ctx, time.Now().Add(-30*time.Second)); err != nil || qs.Stuck["slack_delivery"] != 1 {
		t.Fatalf("queue stats = %+v, %v; want one stuck delivery job", qs, err)
	}
	// Slack's retry of the command cannot enqueue it again while it is stuck.
	if again, err := client.Insert(ctx, delivery.DeliveryArgs{DeliveryID: deliveryID}, nil); err != nil || !again.UniqueSkippedAsDuplicate {
		t.Fatalf("a second job for a stuck delivery: %+v, %v; want it skipped as a duplicate", again, err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			_ = client.StopAndCancel(ctx)
		}
	})
}

// TestStartOnSQLiteTakesUpEverythingWaiting: the sweep leaves a delivery
// recorded a moment ago to whoever recorded it, but a process starting on
// a database of its own takes it up: its recorder is gone.
func TestStartOnSQLiteTakesUpEverythingWaiting(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		// The sweep's age an hour, not 10 s: the delivery is younger than
		// that however slow the machine.
		h := newHarness(t, db, api, harnessOptions{slackOpts: func(o *SlackOptions) { o.SweepAge = time.Hour }})
		stubEnqueue(h.slack)
		h.command("U1", "C1", "Kestrel")
		h.slack.delivery.UseRunners(4)
		if n, err := h.slack.RequeueWaiting(ctx); err != nil || n != 0 {
			t.Fatalf("sweep took %d, %v; want none (the delivery is younger than the sweep's age)", n, err)
		}
		if n, err := h.slack.RequeueAllWaiting(ctx); err != nil || n != 1 {
			t.Fatalf("start took %d, %v; want the waiting delivery", n, err)
		}
		api.waitForCount(t, 2, "chat.postMessage")
		assertDrained(t, db)
	})
}
