package bot

import (
	"context"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
)

// TestScheduled runs Engine.TendIdle as the idle job would: the nudge
// it decides goes out through the outbox, and a step with nothing to say
// leaves nothing behind.
func TestScheduled(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 1})
		thread := h.startReflection()
		assertDrained(t, db)
		before := deliveries(t, db)

		err := h.slack.Scheduled(ctx, "idle", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
			return e.TendIdle(ctx, time.Nanosecond)
		})
		if err != nil {
			t.Fatal(err)
		}
		posts := api.waitForCount(t, 3, "chat.postMessage")
		if nudge := posts[2]; nudge.Thread != thread {
			t.Errorf("nudge = %+v; want it in the reflection's thread", nudge)
		}
		assertDrained(t, db)
		if n := deliveries(t, db); n != before+1 {
			t.Errorf("%d deliveries, want one more for the scheduled step", n-before)
		}

		err = h.slack.Scheduled(ctx, "quiet", func(context.Context, *flows.Engine) ([]flows.Reply, error) { return nil, nil })
		if err != nil {
			t.Fatal(err)
		}
		if n := deliveries(t, db); n != before+1 {
			t.Errorf("a step with nothing to say recorded a delivery")
		}
	})
}
