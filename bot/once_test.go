package bot

import (
	"strings"
	"testing"

	"whatmatters/storage"
)

// TestPostWhoseAnswerWasLostIsNotRepeated: Slack posts a reflection's root
// and first question but its answers never arrive (a 500 after the fact,
// as when a connection drops or the process is killed). Each retry looks
// for the post by the outbox id in its metadata, finds it, and does not
// post it again; the reflection goes on in the same thread.
func TestPostWhoseAnswerWasLostIsNotRepeated(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		api.lose = func(method string, n int) bool {
			return method == "chat.postMessage" && (n == 0 || n == 1) // the root and the first question
		}
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U1", "C1", "Kestrel")
		api.waitForCount(t, 2, "chat.postMessage")
		assertDrained(t, db)
		posts := api.made("chat.postMessage")
		if len(posts) != 2 || posts[1].Thread != posts[0].TS || !strings.Contains(posts[1].Text, "1 of 5") {
			t.Fatalf("posts:\n%s\nwant the root and its first question, once each", describeCalls(posts))
		}
		if !strings.Contains(posts[0].Meta, `"outbox_id"`) || !strings.Contains(posts[0].Meta, outboxEvent) {
			t.Errorf("root post metadata = %s; want the outbox id", posts[0].Meta)
		}
		if looked := api.made("conversations.history", "conversations.replies"); len(looked) < 2 {
			t.Errorf("lookups = %v; want the channel and the thread searched", looked)
		}
		// An answer in the thread is taken as the root's: the reflection
		// was anchored at the post that was found.
		h.message("EvOnce1", "U1", "C1", posts[0].TS, "1700000100.000001", "Her garden.")
		api.waitForCount(t, 3, "chat.postMessage")
		if next := api.made("chat.postMessage")[2]; next.Thread != posts[0].TS || !strings.Contains(next.Text, "2 of 5") {
			t.Errorf("after the answer: %+v", next)
		}
	})
}
