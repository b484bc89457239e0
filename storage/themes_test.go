package storage_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func testCodes(rel flows.Label) flows.Codes {
	return flows.Codes{Relationships: rel, Stories: flows.Away, Community: flows.None, Anticipation: flows.Toward,
		Capabilities: []string{"comfort", "those_close"},
		Phrases:      []flows.Phrase{{Phrase: "night sitting", Key: "night sit", Quote: "night sitting twice a week"}},
		Coder:        "offline", Version: "1"}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		r := mustReflection(t, db, newReflection("T1", 0, "C1", "1", t0))
		a := mustAnswer(t, db, r, "whos_around", "night sitting twice a week, wife exhausted")
		b := mustAnswer(t, db, r, "why", "she loved the sea")

		todo, err := db.AnswersToCode(ctx, "offline", "1", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(todo) != 2 || todo[0].ID != a.ID || todo[0].Template != r.Template || todo[0].Codes != nil {
			t.Fatalf("AnswersToCode before coding = %+v, want both answers uncoded", todo)
		}

		want := testCodes(flows.Toward)
		if err := db.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), want); err != nil {
			t.Fatal(err)
		}
		// A text changed since it was read is not saved over.
		wantErr(t, db.SaveCodes(ctx, b.ID, flows.TextHash("something else"), want), flows.ErrConflict)
		wantErr(t, db.SaveCodes(ctx, b.ID+1000, "x", want), flows.ErrNotFound)
		bad := want
		bad.Stories = "sideways"
		wantErr(t, db.SaveCodes(ctx, b.ID, flows.TextHash(b.Text), bad), flows.ErrInvalid)

		got, err := db.ListCodedAnswers(ctx, "T1", t0.Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Codes == nil || got[1].Codes != nil {
			t.Fatalf("ListCodedAnswers = %+v, want the first coded and the second not", got)
		}
		if diff := cmp.Diff(&want, got[0].Codes); diff != "" {
			t.Errorf("stored codes (-want +got):\n%s", diff)
		}
		todo, _ = db.AnswersToCode(ctx, "offline", "1", 10)
		if len(todo) != 1 || todo[0].ID != b.ID {
			t.Errorf("AnswersToCode after coding one = %+v, want only the other", todo)
		}
		// A new coder version makes every answer due again.
		todo, _ = db.AnswersToCode(ctx, "offline", "2", 10)
		if len(todo) != 2 {
			t.Errorf("AnswersToCode for a new version = %d answers, want 2", len(todo))
		}
		// Fallback codes stand: a model coder does not read them again.
		fb := testCodes(flows.None)
		fb.Fallback = true
		fb.OfflineReason = "read as instructions to the model"
		fb.Phrases = append(fb.Phrases, flows.Phrase{Phrase: "the sea", Key: "pets", Quote: "she loved the sea", Theme: "pets", CutAfter: true})
		if err := db.SaveCodes(ctx, b.ID, flows.TextHash(b.Text), fb); err != nil {
			t.Fatal(err)
		}
		todo, _ = db.AnswersToCode(ctx, "model", "1:m", 10)
		if len(todo) != 1 || todo[0].ID != a.ID {
			t.Errorf("AnswersToCode for the model = %+v, want only the answer without fallback codes", todo)
		}
		// The reason the offline coder read it, and the phrases' themes,
		// are kept.
		got, _ = db.ListCodedAnswers(ctx, "T1", t0.Add(-time.Hour), time.Now().Add(time.Hour))
		if len(got) != 2 || got[1].Codes == nil {
			t.Fatalf("ListCodedAnswers = %+v, want both coded", got)
		}
		if diff := cmp.Diff(&fb, got[1].Codes); diff != "" {
			t.Errorf("stored fallback codes (-want +got):\n%s", diff)
		}
		if _, err := db.SaveManyCodes(ctx, []flows.AnswerCodes{{AnswerID: b.ID, TextHash: flows.TextHash(b.Text), Codes: fb}}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.ListCodedAnswers(ctx, "T1", t0.Add(-time.Hour), time.Now().Add(time.Hour))
		if got[1].Codes == nil || got[1].Codes.OfflineReason != fb.OfflineReason {
			t.Errorf("SaveManyCodes lost the reason: %+v", got[1].Codes)
		}

		// Editing the text drops its codes; withdrawing too.
		a.Text, a.EditedAt = "night sitting three times a week now", t0.Add(time.Minute)
		if err := db.UpdateAnswer(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, _ = db.ListCodedAnswers(ctx, "T1", t0.Add(-time.Hour), time.Now().Add(time.Hour))
		if got[0].Codes != nil {
			t.Errorf("codes survived an edit of the text: %+v", got[0].Codes)
		}
		// ... and makes it due again, for the coder that had coded it.
		if err := db.SaveCodes(ctx, a.ID, flows.TextHash("night sitting twice a week, wife exhausted"), want); !errors.Is(err, flows.ErrConflict) {
			t.Errorf("SaveCodes for the old text = %v, want a conflict", err)
		}
		todo, _ = db.AnswersToCode(ctx, "model", "1:m", 10)
		if len(todo) != 1 || todo[0].ID != a.ID || todo[0].Text != a.Text {
			t.Errorf("AnswersToCode after an edit = %+v, want the edited answer", todo)
		}
		b.Text, b.WithdrawnAt = "", t0.Add(time.Minute)
		if err := db.UpdateAnswer(ctx, b); err != nil {
			t.Fatal(err)
		}
		got, _ = db.ListCodedAnswers(ctx, "T1", t0.Add(-time.Hour), time.Now().Add(time.Hour))
		if len(got) != 1 {
			t.Errorf("a withdrawn answer is still listed: %+v", got)
		}
		// Under a new coder version too, a withdrawn answer is not due.
		todo, _ = db.AnswersToCode(ctx, "offline", "3", 10)
		if len(todo) != 1 || todo[0].ID != a.ID {
			t.Errorf("AnswersToCode after a withdrawal = %+v, want only the other answer", todo)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM answer_codes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d codes left after an edit and a withdrawal, want 0", n)
		}

		// The retention purge removes codes with the text.
		if err := db.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), want); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PurgeBefore(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM answer_codes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d codes left after the purge, want 0", n)
		}
	})
}

func TestDigestRecords(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		mustTeam(t, db, "T2")
		rec := flows.DigestRecord{TeamID: "T1", WeekKey: "2026-11-23", From: t0, To: t0.AddDate(0, 0, 7), Weeks: 1,
			Channel: "CDIG", Coder: "offline", CreatedAt: t0,
			Summary: flows.DigestSummary{Reflections: 3, Cases: 2, Toward: map[string]int{"stories": 2}}}
		got, err := db.RecordDigest(ctx, rec)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == 0 || got.Summary.Reflections != 3 || got.Summary.Toward["stories"] != 2 || !got.From.Equal(stored(t0)) {
			t.Errorf("RecordDigest = %+v", got)
		}
		// The same team and week again is refused; another team's week,
		// and on-demand digests (no key), are not.
		_, err = db.RecordDigest(ctx, rec)
		wantErr(t, err, flows.ErrConflict)
		other := rec
		other.TeamID = "T2"
		if _, err := db.RecordDigest(ctx, other); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			od := rec
			od.WeekKey, od.OnDemandBy = "", "cli"
			if _, err := db.RecordDigest(ctx, od); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.MarkDigestPosted(ctx, got.ID, "CDIG", "1700000000.000100", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, db.MarkDigestPosted(ctx, got.ID+1000, "C", "", t0), flows.ErrNotFound)
		list, err := db.ListDigests(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[0].MessageID != "1700000000.000100" || list[0].PostedAt.IsZero() {
			t.Errorf("ListDigests(T1) = %+v", list)
		}
		all, _ := db.ListDigests(ctx, "")
		if len(all) != 4 {
			t.Errorf("ListDigests(all) = %d records, want 4", len(all))
		}
	})
}

func TestTeamDigestSettings(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		team := mustTeam(t, db, "T1")
		if team.DigestDay != time.Monday || team.DigestHour != 9 || team.DigestChannel != "" {
			t.Errorf("a new team's digest settings = %v %d %q, want Monday 9 and no channel", team.DigestDay, team.DigestHour, team.DigestChannel)
		}
		team.DigestChannel, team.DigestDay, team.DigestHour = "CLEADS", time.Friday, 16
		if err := db.UpdateTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		got, _ := db.GetTeam(ctx, "T1")
		if got.DigestChannel != "CLEADS" || got.DigestDay != time.Friday || got.DigestHour != 16 {
			t.Errorf("after UpdateTeam: %+v", got)
		}
		team.DigestHour = 24
		wantErr(t, db.UpdateTeam(ctx, team), flows.ErrInvalid)
	})
}

// TestAnswersToCodeMigration: answers written before the queue of answers
// to code existed are queued by its migration when they still wait for
// codes, and only then.
func TestAnswersToCodeMigration(t *testing.T) {
	t.Parallel()
	urls := map[string]func(testing.TB) string{
		"sqlite":   storagetest.SQLiteURL,
		"postgres": storagetest.PostgresURL,
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			db, err := storage.Open(ctx, urls[name](t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 8); err != nil {
				t.Fatal(err)
			}
			q := db.SQL()
			exec := func(query string, args ...any) {
				t.Helper()
				if _, err := q.ExecContext(ctx, query, args...); err != nil {
					t.Fatal(err)
				}
			}
			now := time.Now().UTC()
			exec(`INSERT INTO teams (id, name, timezone, created_at) VALUES ('T1', 'T', 'UTC', $1)`, now)
			exec(`INSERT INTO reflections (team_id, template, status, channel, started_by, created_at, updated_at, last_activity_at)
				VALUES ('T1', 'case', 'in_progress', 'C1', 'U1', $1, $1, $1)`, now)
			// 1 waits; 2 is coded; 3 is withdrawn; 4 has no text left.
			for i, text := range []string{"she loved the sea", "wife exhausted", "withdrawn words", ""} {
				exec(`INSERT INTO answers (reflection_id, team_id, stage, author, discipline, text, follow_up, message_id, created_at)
					VALUES (1, 'T1', 'why', 'U2', 'nurse', $1, $2, '', $3)`, text, false, now.Add(time.Duration(i)*time.Second))
			}
			exec(`UPDATE answers SET withdrawn_at = $1 WHERE id = 3`, now)
			exec(`INSERT INTO answer_codes (answer_id, team_id, coder, coder_version, text_hash, relationships, stories,
					community, anticipation, capabilities, phrases, fallback, dropped_quotes, coded_at)
				VALUES (2, 'T1', 'offline', '1', $1, 'none', 'none', 'none', 'none', '', '[]', $2, 0, $3)`,
				flows.TextHash("wife exhausted"), false, now)

			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			rows, err := q.QueryContext(ctx, `SELECT answer_id FROM answers_to_code ORDER BY answer_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var queued []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				queued = append(queued, id)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int64{1}, queued); diff != "" {
				t.Errorf("queued by the migration (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSaveManyCodes: codes of several answers are stored together; an
// answer edited since it was coded, or gone, is passed over and stays due.
func TestSaveManyCodes(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		r := mustReflection(t, db, newReflection("T1", 0, "C1", "1", t0))
		a := mustAnswer(t, db, r, "whos_around", "night sitting twice a week, wife exhausted")
		b := mustAnswer(t, db, r, "why", "she loved the sea")
		c := mustAnswer(t, db, r, "why", "he wants to die at home")
		oldB := b.Text
		b.Text, b.EditedAt = "she loved the sea at Whitby", t0.Add(time.Minute)
		if err := db.UpdateAnswer(ctx, b); err != nil {
			t.Fatal(err)
		}
		want := testCodes(flows.Toward)
		wantC := testCodes(flows.Away)
		wantC.Capabilities = nil
		batch := []flows.AnswerCodes{
			{AnswerID: a.ID, TextHash: flows.TextHash(a.Text), Codes: want},
			{AnswerID: b.ID, TextHash: flows.TextHash(oldB), Codes: want}, // edited since
			{AnswerID: c.ID + 1000, TextHash: "x", Codes: want},           // gone
			{AnswerID: c.ID, TextHash: flows.TextHash(c.Text), Codes: wantC},
		}
		bad := append([]flows.AnswerCodes(nil), batch...)
		bad[3].Codes.Stories = "sideways"
		if _, err := db.SaveManyCodes(ctx, bad); !errors.Is(err, flows.ErrInvalid) {
			t.Errorf("SaveManyCodes with a bad label = %v, want ErrInvalid", err)
		}
		if todo, _ := db.AnswersToCode(ctx, "offline", "1", 10); len(todo) != 3 {
			t.Fatalf("after a refused batch, %d answers due; want all 3", len(todo))
		}

		// An answer given twice keeps the later codes.
		first := flows.AnswerCodes{AnswerID: a.ID, TextHash: flows.TextHash(a.Text), Codes: testCodes(flows.None)}
		n, err := db.SaveManyCodes(ctx, append([]flows.AnswerCodes{first}, batch...))
		if err != nil || n != 2 {
			t.Fatalf("SaveManyCodes = %d, %v; want 2 stored", n, err)
		}
		got, err := db.ListCodedAnswers(ctx, "T1", t0.Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[1].Codes != nil {
			t.Fatalf("ListCodedAnswers = %+v; want b uncoded", got)
		}
		if diff := cmp.Diff(&want, got[0].Codes); diff != "" {
			t.Errorf("a's codes (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(&wantC, got[2].Codes, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("c's codes (-want +got):\n%s", diff)
		}
		todo, err := db.AnswersToCode(ctx, "offline", "1", 10)
		if err != nil || len(todo) != 1 || todo[0].ID != b.ID {
			t.Errorf("AnswersToCode = %+v, %v; want only the edited answer", todo, err)
		}
		if n, err := db.SaveManyCodes(ctx, nil); n != 0 || err != nil {
			t.Errorf("SaveManyCodes(nil) = %d, %v", n, err)
		}
	})
}

// TestAnswersToCodeDropsStaleQueueEntries: an answer queued for codes that
// has no text left (here blanked behind the store's back) leaves the queue
// when it is met, and does not hide the answers queued after it.
func TestAnswersToCodeDropsStaleQueueEntries(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		mustTeam(t, db, "T1")
		r := mustReflection(t, db, newReflection("T1", 0, "C1", "1", t0))
		var stale []int64
		for i := range 3 {
			a := mustAnswer(t, db, r, "why", fmt.Sprintf("words %d", i))
			stale = append(stale, a.ID)
		}
		live := mustAnswer(t, db, r, "why", "she loved the sea")
		// A first look, so that the start's pass over the queue is done.
		if todo, err := db.AnswersToCode(ctx, "offline", "1", 10); err != nil || len(todo) != 4 {
			t.Fatalf("first look: %d answers, %v; want 4", len(todo), err)
		}
		byID, arg := "IN ($1, $2, $3)", []any{stale[0], stale[1], stale[2]}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE answers SET text = '' WHERE id `+byID, arg...); err != nil {
			t.Fatal(err)
		}
		todo, err := db.AnswersToCode(ctx, "offline", "1", 2)
		if err != nil || len(todo) != 1 || todo[0].ID != live.ID {
			t.Fatalf("AnswersToCode = %+v, %v; want the live answer behind the stale ones", todo, err)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM answers_to_code`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d answers queued, want only the live one", n)
		}
	})
}
