package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/storage"
)

// startReflection starts a reflection in C1 as U1 and returns its thread.
func (h *harness) startReflection() string {
	h.t.Helper()
	before := len(h.api.made("chat.postMessage"))
	h.command("U1", "C1", "Kestrel")
	posts := h.api.waitForCount(h.t, before+2, "chat.postMessage")
	return posts[before].TS
}

func TestDuplicateEvent(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		thread := h.startReflection()

		body := messageEvent("EvTwice", "U2", "C1", thread, "1700000300.000001", "Her daughter visits every day.")
		for i, retry := range []string{"", "1"} {
			header := http.Header{}
			if retry != "" {
				header.Set("X-Slack-Retry-Num", retry)
				header.Set("X-Slack-Retry-Reason", "http_timeout")
			}
			if status, _ := h.post("application/json", body, header); status != http.StatusOK {
				t.Fatalf("delivery %d: status %d, want 200", i+1, status)
			}
		}
		api.waitForCount(t, 1, "reactions.add")
		assertDrained(t, db)
		// Once processed, a late retry is still acknowledged and ignored.
		header := http.Header{"X-Slack-Retry-Num": {"2"}}
		if status, _ := h.post("application/json", body, header); status != http.StatusOK {
			t.Fatalf("late retry: status %d, want 200", status)
		}
		assertDrained(t, db)

		r, err := db.ReflectionByThread(context.Background(), testTeam, "C1", thread)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.ListAnswers(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 {
			t.Errorf("%d answers stored, want 1", len(stored))
		}
		if n := len(api.made("reactions.add")); n != 1 {
			t.Errorf("%d reactions, want 1", n)
		}
		if m := metric(t, h, `whatmatters_slack_deliveries_duplicate_total{kind="event"}`); m != "2" {
			t.Errorf("duplicates counted: %s, want 2", m)
		}
	})
}

// metric reads one sample from GET /metrics.
func metric(t *testing.T, h *harness, name string) string {
	t.Helper()
	resp, err := http.Get(h.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// TestOrderInThread sends many answers to one reflection at once, and
// checks that they are stored in the order they were recorded, whatever
// order the workers take their jobs in.
func TestOrderInThread(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 8})
		if db.Dialect() == storage.Postgres {
			// A second instance on the same database shares the work: only
			// the database's lock keeps the thread in order between them.
			newHarness(t, db, api, harnessOptions{workers: 8, noServer: true})
		}
		thread := h.startReflection()

		// Concurrent requests, as Slack sends them.
		const n = 16
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				h.message(fmt.Sprintf("EvConc%02d", i), fmt.Sprintf("U%d", 10+i), "C1", thread,
					fmt.Sprintf("1700000400.%06d", i), fmt.Sprintf("perspective %02d from her family", i))
			})
		}
		wg.Wait()
		assertDrained(t, db)

		// Deliveries recorded first, then their jobs enqueued latest first:
		// the workers start on later deliveries before earlier ones.
		var ids []string
		for i := range n {
			body := messageEvent(fmt.Sprintf("EvRev%02d", i), fmt.Sprintf("U%d", 40+i), "C1", thread,
				fmt.Sprintf("1700000500.%06d", i), fmt.Sprintf("late perspective %02d from her family", i))
			var env envelope
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			rc, err := h.slack.routeEvent(env)
			if err != nil || rc.delivery == nil {
				t.Fatalf("routing %d: %v", i, err)
			}
			if _, err := db.RecordDelivery(ctx, *rc.delivery); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rc.delivery.ID)
		}
		slices.Reverse(ids)
		if _, err := h.slack.delivery.Enqueue(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		assertDrained(t, db)

		// The order of recording: by sequence number.
		rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM inbox WHERE id LIKE 'Ev%' ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		var recorded []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			recorded = append(recorded, id)
		}
		rows.Close()
		var want []string
		for _, id := range recorded {
			var i int
			if _, err := fmt.Sscanf(id, "EvConc%02d", &i); err == nil {
				want = append(want, fmt.Sprintf("perspective %02d from her family", i))
			} else if _, err := fmt.Sscanf(id, "EvRev%02d", &i); err == nil {
				want = append(want, fmt.Sprintf("late perspective %02d from her family", i))
			}
		}
		r, err := db.ReflectionByThread(ctx, testTeam, "C1", thread)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.ListAnswers(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range stored {
			got = append(got, a.Text)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("answers out of the order they were recorded (-want +got):\n%s", diff)
		}
		if len(got) != 2*n {
			t.Errorf("%d answers, want %d", len(got), 2*n)
		}
	})
}

// TestFailedPostRetried has Slack fail a post with a 500, then a 429 with
// Retry-After: the job is retried and the post made exactly once.
func TestFailedPostRetried(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		api.fail = func(method string, n int) (int, string) {
			if method != "chat.postMessage" {
				return 0, ""
			}
			switch n {
			case 1:
				return http.StatusInternalServerError, ""
			case 2:
				return http.StatusTooManyRequests, "1"
			}
			return 0, ""
		}
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U1", "C1", "Kestrel")
		api.waitForCount(t, 2, "chat.postMessage")
		assertDrained(t, db)

		var methods []string
		for _, c := range api.made() {
			if strings.HasPrefix(c.Method, "chat.postMessage") {
				methods = append(methods, c.Method)
			}
		}
		want := []string{"chat.postMessage", "chat.postMessage failed 500", "chat.postMessage failed 429", "chat.postMessage"}
		if diff := cmp.Diff(want, methods); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		posts := api.made("chat.postMessage")
		if !strings.Contains(posts[1].Text, "1 of 5") || posts[1].Thread != posts[0].TS {
			t.Errorf("second post = %+v, want the first question in the root's thread", posts[1])
		}
		if m := metric(t, h, `whatmatters_slack_rate_limit_waits_total{cause="rate_limited"}`); m != "1" {
			t.Errorf("rate limit waits: %s, want 1", m)
		}
		r, err := db.ReflectionByThread(context.Background(), testTeam, "C1", posts[0].TS)
		if err != nil || r.Stage != "what_matters" || r.Status != flows.StatusInProgress {
			t.Errorf("reflection %+v, %v; want it anchored, on its first stage", r, err)
		}
	})
}
