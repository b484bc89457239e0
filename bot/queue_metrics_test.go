package bot

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestQueueMetrics: while Slack fails every post, /metrics shows the
// replies waiting in the outbox and how old the oldest is, and the
// delivery jobs by state.
func TestQueueMetrics(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
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
		var depth string
		for range 200 {
			if depth = metric(t, h, "whatmatters_outbox_messages"); depth != "" && depth != "0" {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling /metrics, not timing
		}
		if n, err := strconv.Atoi(depth); err != nil || n < 1 {
			t.Fatalf("outbox depth = %q; want the root post waiting", depth)
		}
		if age, err := strconv.ParseFloat(metric(t, h, "whatmatters_outbox_oldest_seconds"), 64); err != nil || age < 0 {
			t.Errorf("oldest outbox age = %v, %v", age, err)
		}
		// Jobs by state, once a scrape reads them (a busy SQLite may leave a
		// scrape without them; the figures are left out, never wrong).
		found := false
		for range 200 {
			for _, state := range []string{"retryable", "available", "running", "scheduled", "completed", "discarded"} {
				found = found || metric(t, h, `whatmatters_jobs{kind="slack_delivery",state="`+state+`"}`) != ""
			}
			if found {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling /metrics, not timing
		}
		if !found {
			t.Errorf("no slack_delivery jobs in /metrics")
		}
	})
}
