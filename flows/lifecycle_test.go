package flows_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestEditAndWithdraw(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Aspen")
		c.sayID("bo", "m1", "Her brother visits.")
		c.sayID("cy", "m2", "The hospice chaplain sees her.")
		edit := func(user, id, text string, withdraw bool) []flows.Reply {
			t.Helper()
			replies, err := c.engine.Edit(c.ctx, flows.Edit{Actor: actor(user), Channel: c.channel, Thread: c.thread, MessageID: id, Text: text, Withdraw: withdraw})
			if err != nil {
				t.Fatal(err)
			}
			return replies
		}
		if got := titles(edit("bo", "m1", "Her brother SECRET visits on Sundays.", false)); !cmp.Equal(got, []string{"Your answer is updated.", "I removed a name before saving."}) {
			t.Errorf("edit: %q", got)
		}
		if n := notice(t, edit("cy", "m1", "hijack", false)); !strings.Contains(n.Title, "Only the person who wrote") {
			t.Errorf("edit by another: %q", n.Title)
		}
		c.say("ann", "done") // edits still apply after the end
		if n := edit("cy", "m2", "", true); len(n) != 1 || n[0].Title != "Your answer is withdrawn." {
			t.Errorf("withdraw: %+v", n)
		}
		if replies := edit("bo", "not-an-answer", "x", false); len(replies) != 0 {
			t.Errorf("edit of a message that was no answer: %+v", replies)
		}
		as := c.answers()
		if as[0].Text != "Her brother [name] visits on Sundays." || as[0].EditedAt.IsZero() || !as[0].WithdrawnAt.IsZero() {
			t.Errorf("edited answer = %+v", as[0])
		}
		if as[1].Text != "" || as[1].WithdrawnAt.IsZero() {
			t.Errorf("withdrawn answer = %+v", as[1])
		}
		// A withdrawn answer can't be edited back, nor withdrawn twice.
		if n := notice(t, edit("cy", "m2", "back again", false)); !strings.Contains(n.Title, "withdrawn") {
			t.Errorf("editing a withdrawn answer: %q", n.Title)
		}
		// The export shows both changes, with their times.
		ex, err := flows.BuildExport(c.ctx, db, nil, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got := ex.Reflections[0].Answers
		if got[0].EditedAt == nil || got[0].WithdrawnAt != nil || got[1].WithdrawnAt == nil || got[1].Text != "" {
			t.Errorf("export of edits = %+v", got)
		}
		// The withdraw button works by answer id.
		replies, err := c.engine.Act(c.ctx, flows.Action{Actor: actor("bo"), Channel: c.channel, Name: flows.ActionWithdraw, AnswerID: as[0].ID})
		if err != nil || notice(t, replies).Title != "Your answer is withdrawn." {
			t.Errorf("withdraw button: %v %+v", err, replies)
		}
		replies, err = c.engine.Act(c.ctx, flows.Action{Actor: actor("bo"), Channel: c.channel, Name: flows.ActionWithdraw, AnswerID: 9999})
		if err != nil || !strings.Contains(notice(t, replies).Title, "no longer exists") {
			t.Errorf("withdraw of a missing answer: %v %+v", err, replies)
		}
	})
}

func TestIdleReflectionsAreNudgedOnceThenAbandoned(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		const idle = 48 * time.Hour
		c.cmd("ann", "Juniper")
		c.say("ann", storyAnswers["what_matters"])
		tend := func() []flows.Reply {
			t.Helper()
			replies, err := c.engine.TendIdle(c.ctx, idle)
			if err != nil {
				t.Fatal(err)
			}
			return replies
		}
		if replies := tend(); len(replies) != 0 {
			t.Fatalf("a fresh reflection was tended: %+v", replies)
		}
		c.clock.advance(idle + time.Minute)
		nudge := only(t, tend(), flows.Post)
		if !strings.HasPrefix(nudge.Title, "Still there?") || nudge.Thread != c.thread || !strings.Contains(allText(nudge), "ann") {
			t.Errorf("nudge = %s", allText(nudge))
		}
		if replies := tend(); len(replies) != 0 {
			t.Errorf("nudged twice: %+v", replies)
		}
		// An answer after the nudge starts the quiet spell again.
		c.say("bo", "His sister rang.")
		c.clock.advance(idle + time.Minute)
		only(t, tend(), flows.Post) // a fresh nudge
		if c.reflection().Status != flows.StatusInProgress {
			t.Fatal("closed at the nudge")
		}
		c.clock.advance(idle + time.Minute)
		closing := only(t, tend(), flows.Post)
		r := c.reflection()
		if r.Status != flows.StatusAbandoned || !strings.Contains(closing.Title, "closed after a quiet spell") {
			t.Errorf("after a second quiet spell: %s, %q", r.Status, closing.Title)
		}
		if len(c.answers()) != 2 {
			t.Errorf("abandoning must keep what was said, got %d answers", len(c.answers()))
		}
		if replies := tend(); len(replies) != 0 {
			t.Errorf("closed reflection tended again: %+v", replies)
		}
		if _, err := c.engine.TendIdle(c.ctx, 0); err == nil {
			t.Error("TendIdle with no idle time should be refused")
		}
	})
}

func TestWeeklyCheckInAcrossDaylightSaving(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.channel = "CHECKIN"
		london, _ := time.LoadLocation("Europe/London")
		// Thursday 19 March 2026, London on GMT.
		c.clock.set(time.Date(2026, 3, 19, 10, 0, 0, 0, time.UTC))
		if n := notice(t, c.cmd("bo", "check-in every monday 9:30")); !strings.Contains(n.Title, "Only the team's leads") {
			t.Fatalf("a member who is not a lead changed the schedule: %q", n.Title)
		}
		if err := c.engine.SetRole(c.ctx, team, "ann", flows.RoleLead, "cli"); err != nil {
			t.Fatal(err)
		}
		if n := notice(t, c.cmd("ann", "check-in every monday 9:30")); n.Title != "The weekly check-in is set." || !strings.Contains(allText(n), "Monday 23 March") {
			t.Fatalf("schedule: %s", allText(n))
		}
		notice(t, c.cmd("bo", "discipline chaplain"))
		notice(t, c.cmd("cy", "away until 2026-03-24"))
		notice(t, c.cmd("dee", "snooze"))
		due := func() []flows.Reply {
			t.Helper()
			replies, err := c.engine.CheckInsDue(c.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return c.anchor(replies)
		}
		if replies := due(); len(replies) != 0 {
			t.Fatalf("a check-in before its time: %v", titles(replies))
		}
		// Monday 23 March, 09:29 local (GMT): not yet; 09:30: posted, once.
		c.clock.set(time.Date(2026, 3, 23, 9, 29, 0, 0, london))
		if replies := due(); len(replies) != 0 {
			t.Fatalf("posted a minute early: %v", titles(replies))
		}
		c.clock.set(time.Date(2026, 3, 23, 9, 30, 0, 0, london))
		first := due()
		if diff := cmp.Diff([]string{"Weekly check-in", "On your mind"}, titles(first)); diff != "" {
			t.Fatalf("first check-in (-want +got):\n%s", diff)
		}
		var mentioned []string
		for _, p := range first[0].Parts {
			if p.Label == "For" {
				mentioned = p.Users
			}
		}
		// In the order they became members: bo's refusal recorded nothing of him.
		if diff := cmp.Diff([]string{"ann", "bo"}, mentioned); diff != "" {
			t.Errorf("mentions leave out the away and the snoozed (-want +got):\n%s", diff)
		}
		if replies := due(); len(replies) != 0 {
			t.Errorf("posted twice: %v", titles(replies))
		}
		c.say("bo", "Plover: her dog matters most to her.")
		c.say("ann", "Someone at the day centre who wants to go to the sea.")

		// The clocks go forward on 29 March. The next check-in is at 09:30
		// BST, which is 08:30 UTC; at 08:29 UTC nothing is due.
		c.clock.set(time.Date(2026, 3, 30, 8, 29, 0, 0, time.UTC))
		if replies := due(); len(replies) != 0 {
			t.Fatalf("posted at 08:29 UTC: %v", titles(replies))
		}
		c.clock.set(time.Date(2026, 3, 30, 8, 30, 0, 0, time.UTC))
		second := due()
		if diff := cmp.Diff([]string{"Weekly check-in: the story so far", "Weekly check-in", "On your mind"}, titles(second)); diff != "" {
			t.Fatalf("second week (-want +got):\n%s", diff)
		}
		if !strings.Contains(allText(second[0]), "her dog matters most") {
			t.Errorf("last week's summary lacks its answers: %s", allText(second[0]))
		}
		for _, p := range second[1].Parts {
			if p.Label == "For" && len(p.Users) != 4 {
				t.Errorf("after the away date and the snooze, everyone is mentioned: %v", p.Users)
			}
		}
		// After a long outage, a check-in more than six hours late is skipped.
		c.clock.set(time.Date(2026, 4, 6, 20, 0, 0, 0, time.UTC))
		if replies := due(); len(replies) != 0 {
			t.Errorf("a late check-in was posted: %v", titles(replies))
		}
		notice(t, c.cmd("ann", "check-in off"))
		c.clock.set(time.Date(2026, 4, 13, 8, 30, 0, 0, time.UTC))
		if replies := due(); len(replies) != 0 {
			t.Errorf("posted after check-in off: %v", titles(replies))
		}
	})
}

func TestSettingsCommandsRefuseBadInput(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	if err := c.engine.SetRole(c.ctx, team, "ann", flows.RoleLead, "cli"); err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		"check-in every funday 9:30":  "Which day?",
		"check-in every monday 25:00": "What time?",
		"check-in sometimes":          "How often",
		"away until next week":        "Away until when?",
		"away until 2020-01-01":       "Away until when?",
		"timezone Mars/Olympus":       "Which timezone?",
	} {
		if n := notice(t, c.cmd("ann", text)); !strings.Contains(n.Title, want) {
			t.Errorf("/reflect %s: %q, want %q", text, n.Title, want)
		}
	}
	team, err := c.store.GetTeam(c.ctx, team)
	if err != nil || team.CheckInChannel != "" || team.Timezone != "Europe/London" {
		t.Errorf("bad settings changed the team: %+v %v", team, err)
	}
	if n := notice(t, c.cmd("ann", "timezone America/New_York")); !strings.Contains(n.Title, "America/New_York") {
		t.Errorf("timezone: %q", n.Title)
	}
}

func TestCheckInGrowsIntoCaseReflection(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		_ = c.engine.SetDiscipline(c.ctx, actor("bo"), "OT")
		c.cmd("ann", "check-in")
		checkIn := c.thread
		if n := notice(t, c.say("bo", "reflect Hornbeam")); n.Title != "Answer the check-in first." {
			t.Errorf("grow before answering: %q", n.Title)
		}
		c.say("bo", "A man at the day centre; his allotment friends matter to him.")
		grown := c.anchor(c.say("bo", "reflect Hornbeam"))
		if diff := cmp.Diff([]string{"Case reflection: Hornbeam", "2 of 5 · Why it matters"}, titles(grown)); diff != "" {
			t.Fatalf("grown (-want +got):\n%s", diff)
		}
		if c.thread == checkIn {
			t.Fatal("the case reflection should have its own thread")
		}
		as := c.answers()
		if len(as) != 1 || as[0].Stage != "what_matters" || as[0].Author != "bo" || as[0].Discipline != "OT" || !strings.Contains(as[0].Text, "allotment friends") {
			t.Errorf("carried answer = %+v", as)
		}
		if r := c.reflection(); r.StartedBy != "bo" || r.Stage != "why" {
			t.Errorf("grown reflection = %+v", r)
		}
		// The story goes on in the new thread.
		if got := only(t, c.say("bo", storyAnswers["why"]), flows.Post); !strings.Contains(got.Title, "3 of 5") {
			t.Errorf("after growing: %q", got.Title)
		}
	})
}

func TestEveryTemplateRunsToItsSummary(t *testing.T) {
	set := loadTemplates(t)
	for _, key := range set.Keys() {
		t.Run(key, func(t *testing.T) {
			c := newConvo(t, storagetest.SQLite(t))
			people := []struct{ user, discipline string }{{"ann", "nurse"}, {"bo", "chaplain"}, {"cy", "social worker"}}
			for _, p := range people {
				if err := c.engine.SetDiscipline(c.ctx, actor(p.user), p.discipline); err != nil {
					t.Fatal(err)
				}
			}
			start := c.cmd("ann", "template "+key+" Bittern")
			if len(start) < 2 || start[1].Thread == "" {
				t.Fatalf("start: %v", titles(start))
			}
			tpl, _ := set.Get(key)
			var last []flows.Reply
			for i, st := range tpl.Stages {
				c.say("bo", fmt.Sprintf("Bo on %s: her daughter says the garden matters because it was her mother's.", st.Key))
				c.say("cy", fmt.Sprintf("Cy on %s: her neighbour wants to help, she told me.", st.Key))
				last = c.say("ann", fmt.Sprintf("Ann on %s: she hopes to be home with her husband and her dog.", st.Key))
				if i < len(tpl.Stages)-1 && len(last) != 1 {
					t.Fatalf("after stage %s: %v", st.Key, titles(last))
				}
			}
			if tpl.Gather {
				// A check-in gathers everyone's answers, its starter's too,
				// until its starter says done.
				only(t, last, flows.Ack)
				last = c.say("ann", "done")
			}
			summary := only(t, last, flows.Post)
			text := allText(summary)
			for _, st := range tpl.Stages {
				for _, who := range []string{"Ann", "Bo", "Cy"} {
					if !strings.Contains(text, who+" on "+st.Key) {
						t.Errorf("summary lacks %s's answer on %s", who, st.Key)
					}
				}
			}
			if !strings.Contains(text, "3 people: 1 × chaplain, 1 × nurse, 1 × social worker") {
				t.Errorf("contributors: %s", text)
			}
			if r := c.reflection(); r.Status != flows.StatusComplete || r.Template != key {
				t.Errorf("reflection = %+v", r)
			}
		})
	}
}

func TestUnknownTemplateListsTheKnownOnes(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	n := notice(t, c.cmd("ann", "template sea-swim Hazel"))
	if !strings.Contains(n.Title, `no template called "sea_swim"`) {
		t.Errorf("title = %q", n.Title)
	}
	for _, want := range []string{"/reflect template case NAME", "/reflect template after_death NAME", "/reflect template check_in"} {
		if !strings.Contains(allText(n), want) {
			t.Errorf("list lacks %q", want)
		}
	}
	if rs, _ := c.store.ListReflections(c.ctx, team); len(rs) != 0 {
		t.Error("an unknown template started something")
	}
}

func loadTemplates(t *testing.T) *prompts.Set {
	t.Helper()
	set, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestCheckInGathersUntilDone(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	c.cmd("ann", "check-in")
	only(t, c.say("ann", "Plover, whose garden matters to her."), flows.Ack)
	if n := notice(t, c.say("bo", "skip")); !strings.Contains(n.Title, "nothing from you") {
		t.Errorf("skip in a check-in by another: %q", n.Title)
	}
	if got := c.say("bo", "Hornbeam: his allotment friends."); got[len(got)-1].Kind != flows.Ack {
		t.Errorf("another person's answer to a check-in: %v", titles(got))
	}
	if r := c.reflection(); r.Status != flows.StatusInProgress || len(c.answers()) != 2 {
		t.Fatalf("check-in after two answers: %+v", r)
	}
	summary := only(t, c.say("ann", "done"), flows.Post)
	if !strings.Contains(allText(summary), "allotment friends") || c.reflection().Status != flows.StatusComplete {
		t.Errorf("check-in summary: %s", allText(summary))
	}
}

func TestQuietCheckInClosesWithWhatItGathered(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	c.cmd("ann", "check-in")
	c.say("bo", "Hornbeam: his allotment friends.")
	c.clock.advance(49 * time.Hour)
	replies, err := c.engine.TendIdle(c.ctx, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := only(t, replies, flows.Post); !strings.Contains(got.Title, "the story so far") || c.reflection().Status != flows.StatusComplete {
		t.Errorf("a quiet check-in with answers: %q, %s", got.Title, c.reflection().Status)
	}
}
