package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/storage"
)

// answers are the starter's answers to the five stages of a case
// reflection, written so that no follow-up question is due.
var answers = []string{
	"She wants to be at home with her daughter, because she loves the garden.",
	"It matters because her husband planted that garden and she feels close to him there.",
	"Her daughter, her neighbour Jean and the dog, who never leaves her side.",
	"She told us she was scared of going back to hospital, and her daughter stayed the night.",
	"We hope to keep her at home with her family, and we will ask what she wants each visit.",
}

// TestReflectionOverHTTP runs a whole reflection through /slack/events, as
// Slack would send it, against slacktest's Web API.
func TestReflectionOverHTTP(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 4})
		ctx := context.Background()

		h.command("U1", "C1", "discipline district nurse")
		api.waitForCount(t, 1, "chat.postEphemeral")
		h.command("U1", "C1", "Kestrel")
		posts := api.waitForCount(t, 2, "chat.postMessage")
		root, q := posts[0], posts[1]
		if root.Channel != "C1" || root.Thread != "" || !strings.Contains(root.Text, "Kestrel") {
			t.Fatalf("root post = %+v; want a post in C1 about Kestrel", root)
		}
		if q.Thread != root.TS || !strings.Contains(q.Text, "1 of 5") || !strings.Contains(q.Blocks, `"wm_next"`) {
			t.Fatalf("first question = %+v; want 1 of 5 in the root's thread, with buttons", q)
		}

		// Someone else adds their perspective: a reaction, no new question.
		h.message("EvOther", "U2", "C1", root.TS, "1700000100.000001", "Her daughter told me she sings to her every evening.")
		reacts := api.waitForCount(t, 1, "reactions.add")
		if reacts[0].TS != "1700000100.000001" || reacts[0].Name != "white_check_mark" {
			t.Errorf("reaction = %+v; want white_check_mark on the message", reacts[0])
		}
		for i, a := range answers {
			h.message(fmt.Sprintf("EvAnswer%d", i), "U1", "C1", root.TS, fmt.Sprintf("1700000200.%06d", i), a)
			api.waitForCount(t, 3+i, "chat.postMessage")
		}

		posts = api.made("chat.postMessage")
		var got []string
		for _, p := range posts[1:] {
			if p.Thread != root.TS {
				t.Errorf("post %q outside the thread", p.Text)
			}
			got = append(got, strings.SplitN(p.Text, "\n", 2)[0])
		}
		want := []string{"1 of 5", "2 of 5", "3 of 5", "4 of 5", "5 of 5", "the story so far"}
		if len(got) != len(want) {
			t.Fatalf("posts in the thread:\n%s", describeCalls(posts))
		}
		for i := range want {
			if !strings.Contains(got[i], want[i]) {
				t.Errorf("post %d = %q, want it to contain %q", i+1, got[i], want[i])
			}
		}
		summary := posts[len(posts)-1]
		for _, a := range answers {
			if !strings.Contains(summary.Blocks, strings.Split(a, ",")[0]) {
				t.Errorf("summary lacks %q", a)
			}
		}

		r, err := db.ReflectionByThread(ctx, testTeam, "C1", root.TS)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != flows.StatusComplete {
			t.Errorf("reflection status %s, want complete", r.Status)
		}
		stored, err := db.ListAnswers(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var stages []string
		for _, a := range stored {
			stages = append(stages, a.Stage+" "+a.Author)
		}
		wantStages := []string{"what_matters U2", "what_matters U1", "why U1", "whos_around U1", "what_happened U1", "looking_ahead U1"}
		if diff := cmp.Diff(wantStages, stages); diff != "" {
			t.Errorf("stored answers (-want +got):\n%s", diff)
		}
		if stored[1].Discipline != "district nurse" || stored[1].Text != answers[0] {
			t.Errorf("first answer stored as %+v", stored[1])
		}
		assertDrained(t, db)
		// The engine and the adapter log at debug level here: ids, stages
		// and lengths, never what people wrote, nor the token.
		logs := h.logs.String()
		if !strings.Contains(logs, "answer saved") {
			t.Fatalf("no debug log of the engine's steps to check:\n%s", logs)
		}
		for _, secret := range append([]string{"xoxb-test", "sings to her every evening"}, answers...) {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs hold %q", secret)
			}
		}
	})
}

// assertDrained waits until every delivery is processed, its payload
// cleared, and every reply sent (failing the test only after hangGuard).
func assertDrained(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	eventually(t, "every delivery processed and every reply sent", func() (bool, string) {
		var pending, payloads, outbox int
		err := db.SQL().QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM inbox WHERE processed_at IS NULL),
			(SELECT count(*) FROM inbox WHERE payload IS NOT NULL),
			(SELECT count(*) FROM outbox)`).Scan(&pending, &payloads, &outbox)
		if err != nil {
			t.Fatal(err)
		}
		return pending == 0 && payloads == 0 && outbox == 0,
			fmt.Sprintf("%d deliveries unprocessed, %d payloads kept, %d replies unsent; want none", pending, payloads, outbox)
	})
}
