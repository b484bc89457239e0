package storage_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestAnswers(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		mustTeam(t, db, "T2")
		r1 := mustReflection(t, db, newReflection("T1", 0, "C1", "1", t0))
		r2 := mustReflection(t, db, newReflection("T1", 0, "C1", "2", t0))
		r3 := mustReflection(t, db, newReflection("T2", 0, "C1", "1", t0))

		in := flows.Answer{ReflectionID: r1.ID, TeamID: "T1", Stage: "why", Author: "U2",
			Discipline: "doctor", Text: "She wants to go home.", FollowUp: true, CreatedAt: t0}
		got, err := db.AddAnswer(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.ID = got.ID
		want.CreatedAt = stored(t0)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AddAnswer (-want +got):\n%s", diff)
		}
		fetched, err := db.GetAnswer(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, fetched); diff != "" {
			t.Errorf("GetAnswer (-want +got):\n%s", diff)
		}
		_, err = db.GetAnswer(ctx, got.ID+1000)
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.AddAnswer(ctx, flows.Answer{ReflectionID: r3.ID + 1000, TeamID: "T1", Stage: "why", Author: "U2"})
		wantErr(t, err, flows.ErrNotFound)

		// Answers keep the order they were added, whatever their times.
		a2 := mustAnswer(t, db, r2, "what_matters", "second")
		a3, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r1.ID, TeamID: "T1", Stage: "what_matters",
			Author: "U3", Text: "third", CreatedAt: t0.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		other := mustAnswer(t, db, r3, "why", "another team")

		// Edit, then withdraw, then undo both.
		edited := got
		edited.Text = "She wants to go home to her garden."
		edited.EditedAt = t0.Add(time.Minute)
		if err := db.UpdateAnswer(ctx, edited); err != nil {
			t.Fatal(err)
		}
		withdrawn := edited
		withdrawn.Text = ""
		withdrawn.WithdrawnAt = t0.Add(2 * time.Minute)
		if err := db.UpdateAnswer(ctx, withdrawn); err != nil {
			t.Fatal(err)
		}
		fetched, err = db.GetAnswer(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantW := withdrawn
		wantW.EditedAt, wantW.WithdrawnAt = stored(wantW.EditedAt), stored(wantW.WithdrawnAt)
		if diff := cmp.Diff(wantW, fetched); diff != "" {
			t.Errorf("after UpdateAnswer (-want +got):\n%s", diff)
		}
		// Only text, edit and withdrawal times change.
		sneaky := withdrawn
		sneaky.Author, sneaky.Stage, sneaky.FollowUp = "U9", "other", false
		if err := db.UpdateAnswer(ctx, sneaky); err != nil {
			t.Fatal(err)
		}
		fetched, err = db.GetAnswer(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantW, fetched); diff != "" {
			t.Errorf("UpdateAnswer changed immutable fields (-want +got):\n%s", diff)
		}
		missing := withdrawn
		missing.ID = got.ID + 1000
		wantErr(t, db.UpdateAnswer(ctx, missing), flows.ErrNotFound)

		list, err := db.ListAnswers(ctx, r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]flows.Answer{wantW, a3}, list); diff != "" {
			t.Errorf("ListAnswers (-want +got):\n%s", diff)
		}
		list, err = db.ListTeamAnswers(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]flows.Answer{wantW, a2, a3}, list); diff != "" {
			t.Errorf("ListTeamAnswers (-want +got):\n%s", diff)
		}
		list, err = db.ListTeamAnswers(ctx, "T2")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]flows.Answer{other}, list); diff != "" {
			t.Errorf("ListTeamAnswers of T2 (-want +got):\n%s", diff)
		}

		// Deleting a reflection deletes its answers.
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM reflections WHERE id = $1`, r1.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.GetAnswer(ctx, a3.ID)
		wantErr(t, err, flows.ErrNotFound)
	})
}

func TestText(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		r := mustReflection(t, db, newReflection("T1", 0, "C1", "1", t0))

		long := strings.Repeat("Ünïcödé ✓ ", 4000) // 40,000 characters
		if n := len([]rune(long)); n != 40000 {
			t.Fatalf("long text has %d characters", n)
		}
		control := "tab\there\r\nbell\a esc\x1b del\x7f sep\u2028 nbsp\u00a0 bidi\u202e zwj\u200d 🧑‍⚕️"
		for name, text := range map[string]string{"long": long, "control": control, "empty": ""} {
			a := mustAnswer(t, db, r, "why", text)
			got, err := db.GetAnswer(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != text {
				t.Errorf("%s text: stored %d bytes, got back %d bytes", name, len(text), len(got.Text))
			}
		}

		before, err := db.ListAnswers(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{
			"NUL":          "before\x00after",
			"invalid":      "caf\xe9",
			"truncated":    "\xe2\x9c",
			"surrogate":    "\xed\xa0\x80",
			"only invalid": "\xff",
		} {
			t.Run(name, func(t *testing.T) {
				_, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "T1", Stage: "why", Author: "U2", Text: text})
				wantErr(t, err, flows.ErrInvalid)
				if strings.Contains(err.Error(), text) {
					t.Errorf("the error repeats the text: %v", err)
				}
				a := before[0]
				a.Text = text
				wantErr(t, db.UpdateAnswer(ctx, a), flows.ErrInvalid)
				_, err = db.CreateCase(ctx, flows.Case{TeamID: "T1", Label: text})
				wantErr(t, err, flows.ErrInvalid)
				_, err = db.EnsureTeam(ctx, flows.Team{ID: "T" + text})
				wantErr(t, err, flows.ErrInvalid)
				_, err = db.CaseByLabel(ctx, "T1", text)
				wantErr(t, err, flows.ErrInvalid)
				bad := r
				bad.FollowUps = []string{text}
				wantErr(t, db.UpdateReflection(ctx, bad), flows.ErrInvalid)
				_, err = db.RecordDelivery(ctx, inbox.Delivery{ID: "E" + text, Kind: "event"})
				wantErr(t, err, flows.ErrInvalid)
			})
		}
		after, err := db.ListAnswers(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("refused writes changed the answers (-before +after):\n%s", diff)
		}
	})
}

func TestConcurrentAnswers(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		r := mustReflection(t, db, newReflection("T1", 0, "C1", "1", t0))

		const writers, each = 16, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					_, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "T1", Stage: "why",
						Author: fmt.Sprint("U", w), Text: fmt.Sprint(w, "/", i)})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		list, err := db.ListAnswers(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != writers*each {
			t.Fatalf("%d answers kept, want %d", len(list), writers*each)
		}
		seen := map[string]bool{}
		last := map[string]int{} // each writer's answers stay in its order
		for i, a := range list {
			if i > 0 && a.ID <= list[i-1].ID {
				t.Errorf("answers out of order: %d after %d", a.ID, list[i-1].ID)
			}
			seen[a.Text] = true
			var w, n int
			fmt.Sscanf(a.Text, "%d/%d", &w, &n)
			if prev, ok := last[a.Author]; ok && n <= prev {
				t.Errorf("writer %s: answer %d listed after %d", a.Author, n, prev)
			}
			last[a.Author] = n
		}
		if len(seen) != writers*each {
			t.Errorf("%d distinct answers, want %d", len(seen), writers*each)
		}
	})
}
