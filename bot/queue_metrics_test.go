package bot

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"whatmatters/storage"
)

// TestQueueMetrics: while Slack fails every post, /metrics shows the
// replies waiting in the outbox and how old the oldest is, and River's
// jobs by kind and state (the sweep's, run at start: the failed post
// waits in this process for its backoff, with no job).
func TestQueueMetrics(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		api.fail = func(method string, _ int) (int, string) {
			if method == "chat.postMessage" {
				return http.StatusInternalServerError, ""
			}
			return 0, ""
		}
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		if err := h.slack.metrics.RegisterQueueMetrics(db, time.Minute); err != nil {
			t.Fatal(err)
		}
		h.command("U1", "C1", "Kestrel")
		api.waitForCount(t, 1, "chat.postMessage failed 500")
		eventually(t, "the root post waiting in the outbox, in /metrics", func() (bool, string) {
			depth := metric(t, h, "whatmatters_outbox_messages")
			n, err := strconv.Atoi(depth)
			return err == nil && n >= 1, fmt.Sprintf("outbox depth = %q; want the root post waiting", depth)
		})
		if age, err := strconv.ParseFloat(metric(t, h, "whatmatters_outbox_oldest_seconds"), 64); err != nil || age < 0 {
			t.Errorf("oldest outbox age = %v, %v", age, err)
		}
		// Jobs by state, once a scrape reads them (a busy SQLite may leave a
		// scrape without them; the figures are left out, never wrong).
		eventually(t, "slack_inbox_sweep jobs in /metrics", func() (bool, string) {
			for _, state := range []string{"retryable", "available", "running", "scheduled", "completed", "discarded"} {
				if metric(t, h, `whatmatters_jobs{kind="slack_inbox_sweep",state="`+state+`"}`) != "" {
					return true, ""
				}
			}
			return false, "no slack_inbox_sweep jobs in /metrics"
		})
	})
}
