package flows_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// findEverywhere counts the rows, in every column of every table of the
// database, whose value contains needle. It reads the catalogue, so a table
// added later is searched too.
func findEverywhere(t *testing.T, db *storage.DB, needle string) map[string]int {
	t.Helper()
	ctx := context.Background()
	type column struct{ table, name, typ string }
	var cols []column
	var rows *sql.Rows
	var err error
	if db.Dialect() == storage.Postgres {
		rows, err = db.SQL().QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()`)
	} else {
		rows, err = db.SQL().QueryContext(ctx, `SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`)
	}
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 20 {
		t.Fatalf("found only %d columns: the catalogue query is wrong", len(cols))
	}
	found := map[string]int{}
	for _, c := range cols {
		expr := fmt.Sprintf(`CAST("%s" AS TEXT)`, c.name)
		if db.Dialect() == storage.Postgres && c.typ == "bytea" {
			expr = fmt.Sprintf(`convert_from("%s", 'UTF8')`, c.name)
		}
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM "%s" WHERE %s LIKE $1`, c.table, expr)
		if err := db.SQL().QueryRowContext(ctx, q, "%"+needle+"%").Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.name, err)
		}
		if n > 0 {
			found[c.table+"."+c.name] = n
		}
	}
	return found
}

func TestForgetMeLeavesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		const who = "UFORGETME7"
		mine := []string{"Zebrafinch story one about her sister.", "Zebrafinch story two: the allotment matters."}
		_ = c.engine.SetDiscipline(c.ctx, actor(who), "physio")
		notice(t, c.cmd(who, "quotes off"))
		c.cmd(who, "Godwit")
		c.sayID(who, "m1", mine[0])
		c.sayID("bo", "m2", "Bo's view: her church friends matter.")
		c.sayID(who, "m3", mine[1])
		c.cmd("bo", "Alder")
		c.sayID(who, "m4", "Zebrafinch extra in Bo's reflection, with her son.")
		// A learning session they facilitate, reply in, record an action
		// in, own an action in and mark one done in.
		if err := c.engine.SetFacilitator(c.ctx, team, who, true, "cli"); err != nil {
			t.Fatal(err)
		}
		c.channel = "CSESSION"
		c.cmd(who, "session theme end of life at home --minutes 10")
		c.sayID(who, "s1", "Zebrafinch session thought about the family.")
		c.sayID(who, "s2", "action: Zebrafinch leaflet for the ward <@bo> by Friday")
		c.sayID("bo", "s3", "action: <@"+who+"> to ring the hospice tomorrow")
		c.sayID("bo", "s4", "Bo's session view: the church friends again.")
		if items, err := c.engine.MyActions(c.ctx, actor(who)); err != nil || len(items) != 1 {
			t.Fatalf("their actions = %+v, %v", items, err)
		} else if _, err := c.engine.ActionDone(c.ctx, actor(who), c.channel, items[0].ID); err != nil {
			t.Fatal(err)
		}
		c.channel = "C1"
		if _, err := c.engine.MyData(c.ctx, actor(who), c.channel); err != nil {
			t.Fatal(err)
		}
		if found := findEverywhere(t, db, who); len(found) == 0 {
			t.Fatal("the person's id is nowhere before forgetting: the search is broken")
		}
		// Their answers are coded (key phrases quote them) and a digest
		// was made and recorded.
		off := themes.NewOffline()
		if n, err := (&themes.Coding{Store: db, Primary: off, Offline: off, Name: themes.OfflineName, Version: themes.OfflineVersion}).CodeAll(c.ctx); err != nil || n < 3 {
			t.Fatalf("coded %d answers: %v", n, err)
		}
		if found := findEverywhere(t, db, "Zebrafinch"); found["answer_codes.phrases"] == 0 {
			t.Fatalf("the codes do not quote the answers (found in %v): the test would prove nothing", found)
		}
		notice(t, c.cmd("bo", "digest"))
		ps, err := c.engine.PrepareDigest(c.ctx, team, "CLEADS", 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.engine.OweDigests(c.ctx, []flows.PreparedDigest{ps}); err != nil {
			t.Fatal(err)
		}

		ask := notice(t, c.cmd(who, "forget-me"))
		if len(ask.Buttons) != 1 || ask.Buttons[0].Action != flows.ActionForgetMe || !strings.Contains(allText(ask), "3 answers") {
			t.Fatalf("forget-me should ask first: %s %+v", allText(ask), ask.Buttons)
		}
		if found := findEverywhere(t, db, "Zebrafinch"); len(found) == 0 {
			t.Fatal("asking must not delete anything")
		}
		replies, err := c.engine.Act(c.ctx, flows.Action{Actor: actor(who), Channel: c.channel, Name: flows.ActionForgetMe})
		if err != nil {
			t.Fatal(err)
		}
		if n := notice(t, replies); !strings.Contains(allText(n), "Deleted 3 answers") {
			t.Errorf("forget-me said: %s", allText(n))
		}
		for _, needle := range []string{who, "Zebrafinch"} {
			if found := findEverywhere(t, db, needle); len(found) > 0 {
				t.Errorf("after forget-me, %q is still in %v", needle, found)
			}
		}
		// Others' contributions stay.
		if found := findEverywhere(t, db, "church friends"); found["answers.text"] != 1 || found["session_replies.text"] != 1 {
			t.Errorf("Bo's answer and session reply should stay, found in %v", found)
		}
		if found := findEverywhere(t, db, "ring the hospice"); found["session_actions.text"] != 1 {
			t.Errorf("Bo's action for them should stay, without them: found in %v", found)
		}
		audit, err := db.ListAudit(c.ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		last := audit[len(audit)-1]
		if last.Action != flows.AuditForget || last.Actor != "" || !strings.Contains(last.Detail, "answers=3") {
			t.Errorf("audit of the forgetting = %+v", last)
		}
	})
}

func TestMyData(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Sorrel")
		c.say("ann", storyAnswers["what_matters"])
		c.say("bo", "Bo's own view.")
		replies, err := c.engine.Command(c.ctx, flows.Command{Actor: actor("bo"), Channel: c.channel, Text: "my-data"})
		if err != nil {
			t.Fatal(err)
		}
		if len(replies) != 2 || replies[0].Kind != flows.Direct || replies[0].User != "bo" || replies[0].Attachment == nil {
			t.Fatalf("my-data replies = %+v", replies)
		}
		var ex flows.Export
		if err := json.Unmarshal(replies[0].Attachment.Data, &ex); err != nil {
			t.Fatal(err)
		}
		if ex.User != "bo" || len(ex.Reflections) != 1 || len(ex.Reflections[0].Answers) != 1 || ex.Reflections[0].Answers[0].Text != "Bo's own view." {
			t.Errorf("bo's data = %+v", ex)
		}
		audit, _ := db.ListAudit(c.ctx, team)
		if len(audit) != 1 || audit[0].Action != flows.AuditExport || audit[0].Actor != "bo" || audit[0].Subject != "bo" {
			t.Errorf("audit = %+v", audit)
		}
	})
}

func TestRetentionPurge(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		_ = c.engine.SetDiscipline(c.ctx, actor("ann"), "nurse")
		c.cmd("ann", "Tamarisk")
		c.say("ann", storyAnswers["what_matters"])
		c.say("ann", "done")
		oldThread := c.thread
		c.clock.advance(400 * 24 * time.Hour)
		c.cmd("ann", "Spindle")
		c.say("ann", "A recent story about her garden.")
		rep, err := c.engine.Purge(c.ctx, 365*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Answers != 1 || rep.Reflections != 1 {
			t.Errorf("purge report = %+v", rep)
		}
		all, _ := db.ListTeamAnswers(c.ctx, team)
		if len(all) != 2 {
			t.Fatalf("answers = %d", len(all))
		}
		old, recent := all[0], all[1]
		if old.Text != "" || old.Author != "" || old.PurgedAt.IsZero() || old.Discipline != "nurse" || old.Stage != "what_matters" {
			t.Errorf("purged answer keeps only counts: %+v", old)
		}
		if recent.Text != "A recent story about her garden." || recent.Author != "ann" {
			t.Errorf("recent answer was touched: %+v", recent)
		}
		if _, err := db.ReflectionByThread(c.ctx, team, c.channel, oldThread); err == nil {
			t.Error("a purged reflection still points at its thread")
		}
		again, err := c.engine.Purge(c.ctx, 365*24*time.Hour)
		if err != nil || again.Answers != 0 {
			t.Errorf("second purge = %+v, %v", again, err)
		}
		audit, _ := db.ListAudit(c.ctx, "")
		if len(audit) != 1 || audit[0].Action != flows.AuditPurge || !strings.Contains(audit[0].Detail, "answers=1") {
			t.Errorf("audit = %+v", audit)
		}
	})
}

func TestRecapStaysInItsChannel(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	c.cmd("ann", "Larch")
	c.say("ann", "Words said only in the first channel.")
	c.say("ann", "done")
	c.channel = "C2"
	start := c.cmd("ann", "Larch")
	text := allText(start[0])
	if strings.Contains(text, "Words said only") || !strings.Contains(text, "in another channel") {
		t.Errorf("recap from another channel:\n%s", text)
	}
}

func TestQuotesOptOut(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	if n := notice(t, c.cmd("ann", "quotes off")); !strings.Contains(n.Title, "won't be quoted") {
		t.Errorf("quotes off: %q", n.Title)
	}
	m, err := c.store.GetMember(c.ctx, team, "ann")
	if err != nil || !m.NoQuotes {
		t.Errorf("member after quotes off = %+v, %v", m, err)
	}
	notice(t, c.cmd("ann", "quotes on"))
	if m, _ := c.store.GetMember(c.ctx, team, "ann"); m.NoQuotes {
		t.Error("quotes on did not undo it")
	}
	if n := notice(t, c.cmd("ann", "quotes maybe")); !strings.Contains(n.Title, "on or off") {
		t.Errorf("quotes maybe: %q", n.Title)
	}
}

func TestDisciplineIsARoleNeverAName(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	if err := c.engine.SetDiscipline(c.ctx, actor("ann"), "SECRET"); !errors.Is(err, flows.ErrInvalid) {
		t.Errorf("a discipline that reads as a name: %v", err)
	}
	if n := notice(t, c.cmd("ann", "discipline nurse for SECRET")); n.Title != "Which discipline?" {
		t.Errorf("/reflect discipline with a name: %q", n.Title)
	}
	if m, err := c.store.GetMember(c.ctx, team, "ann"); err == nil && m.Discipline != "" {
		t.Errorf("discipline stored: %q", m.Discipline)
	}
}

func TestForgettingTheStarterClosesTheirOpenReflection(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Teal")
		c.say("bo", "Her brother matters to her.")
		if _, err := c.engine.Forget(c.ctx, team, "ann", "cli"); err != nil {
			t.Fatal(err)
		}
		r := c.reflection()
		if r.Status != flows.StatusAbandoned || r.StartedBy != "" || r.ClosedAt.IsZero() {
			t.Errorf("the forgotten starter's open reflection = %+v", r)
		}
		if as := c.answers(); len(as) != 1 || as[0].Author != "bo" {
			t.Errorf("others' answers must stay: %+v", as)
		}
		if n := notice(t, c.say("bo", "One more thing.")); !strings.Contains(n.Title, "closed") {
			t.Errorf("answer after: %q", n.Title)
		}
	})
}

func TestSnoozeHoldsForALateCheckIn(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	c.channel = "CHECKIN"
	c.clock.set(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)) // a Tuesday
	if err := c.engine.SetRole(c.ctx, team, "ann", flows.RoleLead, "cli"); err != nil {
		t.Fatal(err)
	}
	notice(t, c.cmd("ann", "check-in every thursday 09:30"))
	notice(t, c.cmd("bo", "snooze"))
	// Posted two hours late, after an outage: bo's snooze still holds.
	c.clock.set(time.Date(2026, 11, 26, 11, 30, 0, 0, time.UTC))
	replies, err := c.engine.CheckInsDue(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 {
		t.Fatalf("late check-in: %v", titles(replies))
	}
	for _, p := range replies[0].Parts {
		for _, u := range p.Users {
			if u == "bo" {
				t.Error("a snoozed person was mentioned in a late check-in")
			}
		}
	}
}

// Forgetting a person of whom nothing is stored deletes nothing, records
// nothing, and says so: an administrator must not read "deleted 0 answers"
// as an erasure done.
func TestForgetNothingStored(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Godwit")
		c.say("ann", storyAnswers["what_matters"])
		before, err := db.ListAudit(c.ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := c.engine.Forget(c.ctx, "", "U0NOBODY", "cli")
		if !errors.Is(err, flows.ErrNothingStored) || rep != (flows.ForgetReport{}) {
			t.Errorf("Forget of nobody = %+v, %v; want ErrNothingStored", rep, err)
		}
		after, err := db.ListAudit(c.ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("Forget of nobody added %d audit entries", len(after)-len(before))
		}
		// In Slack, confirming forget-me with nothing stored says so.
		replies, err := c.engine.ForgetMe(c.ctx, actor("U0NOBODY"), c.channel)
		if err != nil {
			t.Fatal(err)
		}
		if n := notice(t, replies); !strings.Contains(allText(n), "holds nothing of yours") {
			t.Errorf("forget-me with nothing stored said: %s", allText(n))
		}
		// Someone with answers is still forgotten.
		if rep, err := c.engine.Forget(c.ctx, "", "ann", "cli"); err != nil || rep.Answers != 1 {
			t.Errorf("Forget of ann = %+v, %v", rep, err)
		}
	})
}
