package flows_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestResumeFindsTheOpenSession: a restarted adapter (a new engine on the
// same database) is told where the channel's open session stands, in its
// thread, as it is for a reflection; whichever was started last wins; a
// session whose message was never posted gets it posted again, and
// anchoring it starts its clock.
func TestResumeFindsTheOpenSession(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		startSession(t, c, "") // after a reflection about Kestrel, still open
		s := c.session()
		restarted := newConvo(t, db)
		restarted.clock.set(s.StartedAt.Add(30 * time.Second))
		replies, err := restarted.engine.Resume(restarted.ctx, team, c.channel)
		if err != nil {
			t.Fatal(err)
		}
		if len(replies) != 1 || replies[0].Kind != flows.Post || replies[0].Thread != s.Thread ||
			!strings.HasPrefix(replies[0].Title, "Carrying on with Learning session") {
			t.Fatalf("resume = %+v", replies)
		}
		text := allText(replies[0])
		for _, want := range []string{"Now Stage 1 of 5 · What matters · moves on at", "What matters most to Kestrel"} {
			if !strings.Contains(text, want) {
				t.Errorf("resume lacks %q:\n%s", want, text)
			}
		}
		if len(replies[0].Buttons) == 0 {
			t.Error("resume offers no controls")
		}
		// A reply in that thread is the session's.
		restarted.thread = replies[0].Thread
		if r := restarted.sayID("ann", "after-restart", "Her garden matters."); kinds(r, flows.Ack) == nil {
			t.Errorf("reply after restart = %+v", r)
		}

		// A reflection started after the session is the one carried on.
		c.thread = ""
		c.cmd("bo", "Heron")
		replies, err = restarted.engine.Resume(restarted.ctx, team, c.channel)
		if err != nil || len(replies) != 1 || !strings.Contains(replies[0].Title, "Carrying on with Case reflection: Heron") {
			t.Errorf("resume with a later reflection = %v, %v", titles(replies), err)
		}
		if _, err := restarted.engine.Resume(restarted.ctx, team, "elsewhere"); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("resume elsewhere: %v", err)
		}

		// A session whose message was never posted (the console stopped
		// between the two): posted again, then anchored and started.
		if err := c.engine.SetFacilitator(c.ctx, team, "fay", true, "cli"); err != nil {
			t.Fatal(err)
		}
		got, err := c.engine.Command(c.ctx, flows.Command{Actor: actor("fay"), Channel: "C9", Text: "session theme waiting rooms --minutes 10"})
		if err != nil || len(got) == 0 || got[0].Session == 0 {
			t.Fatalf("open: %+v, %v", got, err)
		}
		replies, err = restarted.engine.Resume(restarted.ctx, team, "C9")
		if err != nil || len(replies) != 1 || replies[0].Session != got[0].Session || replies[0].Thread != "" {
			t.Fatalf("resume of an unposted session = %+v, %v", replies, err)
		}
		restarted.channel = "C9"
		after := restarted.anchor(replies)
		if !hasTitle(after, "Stage 1 of 4") {
			t.Errorf("anchored after restart = %v", titles(after))
		}
	})
}

// TestSessionRefusalIsTheSameEveryWay: someone who may not run sessions
// gets the one kind refusal whatever they typed: nothing, a template, a
// bad length, a control with or without a session open, a schedule.
func TestSessionRefusalIsTheSameEveryWay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		refusal := flows.FacilitateRefused(c.channel, "bo")
		check := func(typed string) {
			t.Helper()
			n := notice(t, c.cmd("bo", typed))
			if n.Title != refusal.Title || allText(n) != allText(refusal) {
				t.Errorf("/reflect %s from a non-facilitator:\n%s\nwant:\n%s", typed, allText(n), allText(refusal))
			}
		}
		for _, typed := range []string{"session", "sessions", "session next", "session theme family", "session case",
			"session case Kestrel --minutes 3", "session --minutes many", "session --nonsense", "session every monday 10:00"} {
			check(typed)
		}
		r, err := c.engine.StartSession(c.ctx, flows.SessionStart{Actor: actor("bo"), Channel: c.channel, Template: "no-such", Minutes: 1})
		if err != nil || len(r) != 1 || r[0].Title != refusal.Title {
			t.Errorf("StartSession from a non-facilitator = %v, %v", titles(r), err)
		}
		// With a session open, the same.
		startSession(t, c, "")
		check("session")
		check("session next")
		check("session end")
	})
}

// TestSessionWarningPerStage: the one-minute warning counts from the
// stage's start: a stage of at least two minutes gets one, a minute before
// its end and never with its question; a shorter stage gets none, unless
// five more minutes make it long enough. (A 5-minute session of five
// one-minute stages warned of nothing before stage 2, then gave stage 2's
// warning with its question.)
func TestSessionWarningPerStage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		run := func(c *convo, until time.Time) (warnings []time.Time, stages map[string]time.Time) {
			t.Helper()
			stages = map[string]time.Time{}
			for c.clock.now.Before(until) {
				c.clock.advance(5 * time.Second)
				r, _ := c.due()
				asked := false
				for _, x := range r {
					if strings.HasPrefix(x.Title, "Stage ") {
						asked = true
						stages[x.Title[:len("Stage 1 of 5")]] = c.clock.now
					}
				}
				for _, x := range r {
					if strings.HasPrefix(x.Title, "One minute left") {
						if asked {
							t.Errorf("a warning with a stage's question at %v: %v", c.clock.now, titles(r))
						}
						warnings = append(warnings, c.clock.now)
					}
				}
			}
			return warnings, stages
		}

		// Five stages of one minute: no warnings at all.
		c := newConvo(t, db)
		if err := c.engine.SetFacilitator(c.ctx, team, "fay", true, "cli"); err != nil {
			t.Fatal(err)
		}
		c.cmd("fay", "session case Kestrel --minutes 5")
		s := c.session()
		if w, stages := run(c, s.EndsAt.Add(30*time.Second)); len(w) != 0 || len(stages) != 4 {
			t.Errorf("5 minutes, 5 stages: warnings at %v, stages %v", w, stages)
		}
		if got := c.session(); got.Status != flows.SessionEnded {
			t.Errorf("status %s", got.Status)
		}

		// Four stages of two and a half minutes: one warning each, a
		// minute before the stage ends.
		c.channel, c.thread = "C2", ""
		c.cmd("fay", "session theme the night shift --minutes 10")
		s = c.session()
		w, _ := run(c, s.EndsAt.Add(30*time.Second))
		if len(w) != 4 {
			t.Fatalf("10 minutes, 4 stages: warnings at %v", w)
		}
		for i, at := range w {
			due := s.StartedAt.Add(time.Duration(i+1)*150*time.Second - time.Minute)
			if d := at.Sub(due); d < 0 || d >= 10*time.Second {
				t.Errorf("stage %d's warning at %v, want a minute before its end, %v (the test's clock moves 5 s at a time)", i+1, at, due)
			}
		}

		// A one-minute stage given five more minutes gets its warning.
		c.channel, c.thread = "C3", ""
		c.cmd("fay", "session case Kestrel --minutes 5")
		c.control("fay", flows.ActionSessionMore, "")
		s = c.session()
		w, _ = run(c, s.StageDeadline.Add(time.Second))
		if len(w) != 1 || w[0].Before(s.StageDeadline.Add(-time.Minute)) {
			t.Errorf("extended stage: warnings at %v, deadline %v", w, s.StageDeadline)
		}
	})
}
