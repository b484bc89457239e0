package flows_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// due runs SessionsDue, anchoring any session message it opens.
func (c *convo) due() ([]flows.Reply, time.Time) {
	c.t.Helper()
	replies, next, err := c.engine.SessionsDue(c.ctx)
	if err != nil {
		c.t.Fatalf("SessionsDue: %v", err)
	}
	return c.anchor(replies), next
}

func (c *convo) session() flows.Session {
	c.t.Helper()
	s, err := c.store.SessionByThread(c.ctx, team, c.channel, c.thread)
	if err != nil {
		c.t.Fatalf("SessionByThread: %v", err)
	}
	return s
}

func (c *convo) control(user, control, stage string) []flows.Reply {
	c.t.Helper()
	replies, err := c.engine.SessionControl(c.ctx, actor(user), flows.SessionCommand{Channel: c.channel, SessionID: c.session().ID, Control: control, Stage: stage})
	if err != nil {
		c.t.Fatalf("SessionControl(%s): %v", control, err)
	}
	return replies
}

func kinds(replies []flows.Reply, k flows.ReplyKind) []flows.Reply {
	var out []flows.Reply
	for _, r := range replies {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

func hasTitle(replies []flows.Reply, prefix string) bool {
	for _, r := range replies {
		if strings.HasPrefix(r.Title, prefix) {
			return true
		}
	}
	return false
}

// startSession makes fay a facilitator and has her open a 10-minute timed
// session about Kestrel (five stages of two minutes).
func startSession(t *testing.T, c *convo, extra string) []flows.Reply {
	t.Helper()
	if err := c.engine.SetFacilitator(c.ctx, team, "fay", true, "cli"); err != nil {
		t.Fatal(err)
	}
	_ = c.engine.SetDiscipline(c.ctx, actor("ann"), "district nurse")
	_ = c.engine.SetDiscipline(c.ctx, actor("bo"), "chaplain")
	c.cmd("ann", "Kestrel") // the case exists
	c.thread = ""
	replies := c.cmd("fay", "session case Kestrel --minutes 10"+extra)
	if !strings.HasPrefix(c.thread, "sess-") {
		t.Fatalf("no session anchored: %+v", titles(replies))
	}
	return replies
}

func TestSessionWholeTimedRun(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		start := startSession(t, c, "")
		// The session message, then its update with the time left and the
		// first stage in the thread.
		if len(start) != 3 || start[0].Kind != flows.Post || start[0].Session == 0 || start[1].Kind != flows.Update ||
			start[1].Message != c.thread || !strings.HasPrefix(start[2].Title, "Stage 1 of 5 · What matters") || start[2].Thread != c.thread {
			t.Fatalf("start = %+v", start)
		}
		if !strings.Contains(allText(start[1]), "2 minutes left") || len(start[1].Buttons) != 4 {
			t.Errorf("session message = %s %+v", allText(start[1]), start[1].Buttons)
		}
		s := c.session()
		if s.Facilitator != "fay" || !s.Timed || s.Stage != "what_matters" || s.StageDeadline.Sub(s.StartedAt) != 2*time.Minute {
			t.Fatalf("session = %+v", s)
		}

		acks := c.sayID("ann", "m1", "She wants to be at home with her SECRET garden.")
		if kinds(acks, flows.Ack) == nil || kinds(acks, flows.Notice) == nil {
			t.Errorf("reply = %+v (want an ack and a scrub notice)", acks)
		}
		act := c.sayID("bo", "m2", "action: <@ann> to ring her son about the garden by Friday")
		if len(act) != 1 || act[0].Title != "Agreed action noted" || !strings.Contains(allText(act[0]), "ann") {
			t.Errorf("action = %+v", act)
		}

		// Nothing due yet; then the one-minute warning, once.
		if r, next := c.due(); len(r) != 0 || !next.Equal(s.StageDeadline.Add(-time.Minute)) {
			t.Errorf("early due = %v, next %v, want %v", titles(r), next, s.StageDeadline.Add(-time.Minute))
		}
		c.clock.set(s.StageDeadline.Add(-50 * time.Second))
		if r, _ := c.due(); len(r) != 1 || r[0].Title != "One minute left on this stage." {
			t.Errorf("warning = %v", titles(r))
		}
		if r, _ := c.due(); len(r) != 0 {
			t.Errorf("warning twice: %v", titles(r))
		}
		// At the deadline the stage moves on, and the message is updated.
		c.clock.set(s.StageDeadline)
		r, next := c.due()
		if len(r) != 2 || r[0].Kind != flows.Update || !strings.HasPrefix(r[1].Title, "Stage 2 of 5 · Why it matters") {
			t.Fatalf("move on = %+v", titles(r))
		}
		if !next.Equal(s.StageDeadline.Add(time.Minute)) {
			t.Errorf("next due = %v", next)
		}
		c.sayID("bo", "m3", "Her faith community matters: the choir visits.")

		// The rest by the clock: warnings and stages, then the synthesis.
		var all []flows.Reply
		for range 40 {
			c.clock.advance(20 * time.Second)
			more, _ := c.due()
			all = append(all, more...)
		}
		if !hasTitle(all, "Stage 5 of 5") || !hasTitle(all, "One minute left in this session.") {
			t.Errorf("stages = %v", titles(all))
		}
		var syn *flows.Reply
		for i := range all {
			if strings.HasPrefix(all[i].Title, "For your discussion") {
				syn = &all[i]
			}
		}
		if syn == nil {
			t.Fatalf("no synthesis in %v", titles(all))
		}
		text := allText(*syn)
		for _, want := range []string{"(details removed)", "district nurse", "choir visits", "chaplain", "ring her son", "Agreed actions", "offline coder", "not findings"} {
			if !strings.Contains(text, want) {
				t.Errorf("synthesis lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "SECRET") || strings.Contains(text, "[name]") || strings.Contains(text, " bo") {
			t.Errorf("synthesis names or leaks:\n%s", text)
		}
		s = c.session()
		if s.Status != flows.SessionEnded || s.Outcome != flows.OutcomeSynthesis || !s.DueAt.IsZero() {
			t.Errorf("ended session = %+v", s)
		}
		if r, next := c.due(); len(r) != 0 || !next.IsZero() {
			t.Errorf("after the end: %v, next %v", titles(r), next)
		}
		// Controls on an ended session, and replies, change nothing.
		if n := notice(t, c.control("fay", flows.ActionSessionNext, "")); !strings.Contains(n.Title, "ended") {
			t.Errorf("control on ended = %s", n.Title)
		}
		notice(t, c.sayID("ann", "m9", "late thought"))
		replies, _ := db.ListSessionReplies(c.ctx, s.ID)
		if len(replies) != 2 || replies[0].Stage != "what_matters" || replies[1].Stage != "why" || replies[0].Discipline != "district nurse" {
			t.Errorf("stored replies = %+v", replies)
		}
		actions, _ := db.ListSessionActions(c.ctx, s.ID)
		if len(actions) != 1 || actions[0].Owner != "ann" || actions[0].Author != "bo" || actions[0].Due != "2026-04-03" ||
			actions[0].Text != "to ring her son about the garden" {
			t.Errorf("actions = %+v", actions)
		}
	})
}

func TestSessionRightsAndControls(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.channel = "C2"
		if n := notice(t, c.cmd("bo", "session theme family at the bedside")); !strings.Contains(n.Title, "facilitators") {
			t.Errorf("non-facilitator start = %s", n.Title)
		}
		startSession(t, c, " --manual")
		first := c.session()
		// A second session in the channel is refused, with a link.
		saved := c.thread
		n := notice(t, c.cmd("fay", "session theme another"))
		if !strings.Contains(n.Title, "already open") || n.Parts[len(n.Parts)-1].Link == nil || n.Parts[len(n.Parts)-1].Link.Message != saved {
			t.Errorf("second session = %+v", n)
		}
		c.thread = saved
		// A non-facilitator's control changes nothing.
		notice(t, c.control("bo", flows.ActionSessionEnd, ""))
		notice(t, c.sayID("bo", "x1", "next"))
		if s := c.session(); s.Status != flows.SessionRunning || s.Stage != first.Stage {
			t.Errorf("after bo's presses: %+v", s)
		}
		// Next, then the same button again: the second changes nothing.
		if r := c.control("fay", flows.ActionSessionNext, "what_matters"); !hasTitle(r, "Stage 2 of 5") {
			t.Errorf("next = %v", titles(r))
		}
		notice(t, c.control("fay", flows.ActionSessionNext, "what_matters"))
		// Pause, pause again, resume later: the end moves by the pause.
		before := c.session()
		c.control("fay", flows.ActionSessionPause, "")
		notice(t, c.control("fay", flows.ActionSessionPause, ""))
		if _, next := c.due(); !next.IsZero() {
			t.Errorf("a paused session is due at %v", next)
		}
		c.clock.advance(7 * time.Minute)
		c.control("fay", flows.ActionSessionResume, "")
		after := c.session()
		if d := after.EndsAt.Sub(before.EndsAt); d < 7*time.Minute || d > 7*time.Minute+10*time.Second {
			t.Errorf("the pause moved the end by %v", d)
		}
		// Five more minutes.
		c.control("fay", flows.ActionSessionMore, "")
		if d := c.session().EndsAt.Sub(after.EndsAt); d != 5*time.Minute {
			t.Errorf("more added %v", d)
		}
		// Fay leaves; another facilitator takes over.
		if _, err := c.engine.Forget(c.ctx, team, "fay", "cli"); err != nil {
			t.Fatal(err)
		}
		if s := c.session(); s.Facilitator != "" || s.Status != flows.SessionRunning {
			t.Errorf("after fay left: %+v", s)
		}
		_ = c.engine.SetFacilitator(c.ctx, team, "gus", true, "cli")
		r := c.control("gus", flows.ActionSessionNext, "")
		if !hasTitle(r, "A new facilitator") || c.session().Facilitator != "gus" {
			t.Errorf("take over = %v", titles(r))
		}
		// Manual: the end comes at its time.
		c.sayID("ann", "a1", "We learned to ask sooner.")
		c.clock.set(c.session().EndsAt)
		r, _ = c.due()
		if !hasTitle(r, "For your discussion") {
			t.Errorf("manual end = %v", titles(r))
		}
		audit, _ := db.ListAudit(c.ctx, team)
		roles := 0
		for _, a := range audit {
			if a.Action == flows.AuditRole {
				roles++
			}
		}
		if roles != 2 {
			t.Errorf("role changes in the audit = %d, want 2 (fay forgotten still counts, gus)", roles)
		}
	})
}

func TestSessionNobodyJoinsEndsQuietly(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		startSession(t, c, "")
		c.clock.advance(11 * time.Minute)
		r, _ := c.due()
		if hasTitle(r, "For your discussion") || !hasTitle(r, "This session has ended quietly.") {
			t.Errorf("quiet end = %v", titles(r))
		}
		if s := c.session(); s.Outcome != flows.OutcomeQuiet {
			t.Errorf("outcome = %q", s.Outcome)
		}
	})
}

// TestSessionRestartCarriesOn: a new engine on the same database (a
// restarted process) picks the session up at the right time.
func TestSessionRestartCarriesOn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		startSession(t, c, "")
		s := c.session()
		restarted := newConvo(t, db)
		restarted.channel, restarted.thread = c.channel, c.thread
		restarted.clock.set(s.StageDeadline.Add(-80 * time.Second))
		if r, next := restarted.due(); len(r) != 0 || !next.Equal(s.StageDeadline.Add(-time.Minute)) {
			t.Errorf("mid-stage: %v next %v", titles(r), next)
		}
		restarted.clock.set(s.StageDeadline.Add(time.Second))
		r, _ := restarted.due()
		if !hasTitle(r, "Stage 2 of 5") {
			t.Errorf("after restart = %v", titles(r))
		}
		// The next stage keeps to the schedule, not to the late run.
		if got := restarted.session().StageDeadline; !got.Equal(s.StageDeadline.Add(2 * time.Minute)) {
			t.Errorf("stage 2 deadline %v, want %v", got, s.StageDeadline.Add(2*time.Minute))
		}
	})
}

// TestSessionsDueConcurrent: two instances on one PostgreSQL post each
// stage once.
func TestSessionsDueConcurrent(t *testing.T) {
	db := storagetest.Postgres(t)
	c := newConvo(t, db)
	startSession(t, c, "")
	s := c.session()
	other := newConvo(t, db)
	var mu sync.Mutex
	counts := map[string]int{}
	for step := range 12 {
		at := s.StageDeadline.Add(time.Duration(step) * 50 * time.Second)
		c.clock.set(at)
		other.clock.set(at)
		var wg sync.WaitGroup
		for _, e := range []*flows.Engine{c.engine, other.engine, c.engine, other.engine} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, _, err := e.SessionsDue(context.Background())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, x := range r {
					if x.Kind == flows.Post {
						counts[x.Title]++
					}
				}
			}()
		}
		wg.Wait()
	}
	posts := 0
	for title, n := range counts {
		posts++
		if n != 1 && !strings.HasPrefix(title, "One minute left") {
			t.Errorf("%q posted %d times", title, n)
		}
	}
	for _, want := range []string{"Stage 2 of 5", "Stage 3 of 5", "Stage 4 of 5", "Stage 5 of 5", "This session has ended quietly."} {
		found := false
		for title := range counts {
			found = found || strings.HasPrefix(title, want)
		}
		if !found {
			t.Errorf("%q never posted: %v", want, counts)
		}
	}
	if n := counts["One minute left on this stage."]; n != 3 {
		t.Errorf("stage warnings posted %d times, want 3 (stages 2 to 4)", n)
	}
}

func TestRecurringSessionAcrossDST(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.channel = "CSESS"
		_ = c.engine.SetFacilitator(c.ctx, team, "fay", true, "cli")
		// Monday 16 March 2026, London on GMT; the clocks go forward on
		// Sunday 29 March.
		c.clock.set(time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC))
		n := notice(t, c.cmd("fay", "session every 2 tuesday 13:00"))
		if !strings.Contains(allText(n), "Tuesday 17 March") {
			t.Fatalf("schedule = %s", allText(n))
		}
		sc, err := db.ScheduleInChannel(c.ctx, team, c.channel)
		if err != nil || !sc.NextAt.Equal(time.Date(2026, 3, 17, 13, 0, 0, 0, time.UTC)) {
			t.Fatalf("schedule = %+v, %v", sc, err)
		}
		// Set less than a day before: no reminder for the first; it opens
		// at 13:00, waiting for fay.
		c.clock.set(time.Date(2026, 3, 17, 13, 0, 5, 0, time.UTC))
		r, _ := c.due()
		if len(r) != 1 || r[0].Session == 0 || !strings.Contains(allText(r[0]), "Waiting for the facilitator") || len(r[0].Buttons) != 2 {
			t.Fatalf("opening = %+v", r)
		}
		// Nobody starts it: it closes at its end, quietly.
		c.clock.set(time.Date(2026, 3, 17, 13, 31, 0, 0, time.UTC))
		if r, _ := c.due(); !hasTitle(r, "This session has ended quietly.") {
			t.Errorf("unstarted = %v", titles(r))
		}
		// Two weeks on is 31 March, after the change: 13:00 BST is 12:00 UTC.
		sc, _ = db.ScheduleInChannel(c.ctx, team, c.channel)
		if want := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC); !sc.NextAt.Equal(want) {
			t.Errorf("after DST next = %v, want %v", sc.NextAt, want)
		}
		// The reminder the day before, once.
		c.clock.set(time.Date(2026, 3, 30, 12, 0, 1, 0, time.UTC))
		r, next := c.due()
		if len(r) != 1 || r[0].Title != "A learning session tomorrow" || !strings.Contains(allText(r[0]), "13:00") {
			t.Errorf("reminder = %+v", r)
		}
		if !next.Equal(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("next due = %v", next)
		}
		if r, _ := c.due(); len(r) != 0 {
			t.Errorf("reminded twice: %v", titles(r))
		}
		// Opened at 13:00 BST; fay starts it and it runs.
		c.clock.set(time.Date(2026, 3, 31, 12, 0, 1, 0, time.UTC))
		if r, _ := c.due(); len(r) != 1 || r[0].Session == 0 {
			t.Fatalf("second opening = %v", titles(r))
		}
		if r := c.control("fay", flows.ActionSessionStart, ""); !hasTitle(r, "Stage 1 of 4 · What we notice") {
			t.Errorf("start = %v", titles(r))
		}
		notice(t, c.control("fay", flows.ActionSessionStart, ""))
	})
}

func TestNextSessionAtAcrossDST(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	for _, tc := range []struct {
		prev, want time.Time
		weeks      int
	}{
		// Across the last Sunday of October 2026 (25th): BST to GMT.
		{time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 27, 13, 0, 0, 0, time.UTC), 1},
		{time.Date(2026, 10, 13, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 27, 13, 0, 0, 0, time.UTC), 2},
		// Across the last Sunday of March 2027 (28th): GMT to BST.
		{time.Date(2027, 3, 23, 13, 0, 0, 0, time.UTC), time.Date(2027, 3, 30, 12, 0, 0, 0, time.UTC), 1},
	} {
		got, err := flows.NextSessionAt(london, tc.prev, tc.weeks, "13:00")
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("NextSessionAt(%v, %d) = %v, %v; want %v", tc.prev, tc.weeks, got, err, tc.want)
		}
	}
}

func TestParseAction(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	now := time.Date(2026, 3, 27, 10, 0, 0, 0, time.UTC) // a Friday
	for _, tc := range []struct{ in, rest, owner, due string }{
		{"<@U123|sam> to call the family by Friday", "to call the family", "U123", "2026-04-03"},
		{"ask the GP about anticipatory meds by tuesday <@U9>", "ask the GP about anticipatory meds", "U9", "2026-03-31"},
		{"@sam books the room tomorrow", "books the room", "sam", "2026-03-28"},
		{"review the leaflet by 3 March", "review the leaflet", "", "2027-03-03"},
		{"review the leaflet by April 10th", "review the leaflet", "", "2026-04-10"},
		{"share notes by 2026-04-02", "share notes", "", "2026-04-02"},
		{"call the family, by Friday.", "call the family.", "", "2026-04-03"},
		{"check the rota by the end of next week", "check the rota", "", "2026-04-03"},
		{"say goodbye by sunset", "say goodbye by sunset", "", ""},
		{"book the room by 31 February", "book the room by 31 February", "", ""},
		{"think about it", "think about it", "", ""},
	} {
		rest, owner, due := flows.ParseAction(tc.in, london, now)
		if rest != tc.rest || owner != tc.owner || due != tc.due {
			t.Errorf("ParseAction(%q) = %q, %q, %q; want %q, %q, %q", tc.in, rest, owner, due, tc.rest, tc.owner, tc.due)
		}
	}
}

func TestActionsForOwnerAndDigest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		startSession(t, c, "")
		c.sayID("bo", "a1", "action: <@ann> to ring her son by Friday")
		c.sayID("bo", "a2", "action: @bo visit the choir leader")
		items, err := c.engine.MyActions(c.ctx, actor("ann"))
		if err != nil || len(items) != 1 || items[0].Owner != "ann" || items[0].Thread != c.thread || !strings.Contains(items[0].Session, "Kestrel") {
			t.Fatalf("ann's actions = %+v, %v", items, err)
		}
		// Someone else (not a facilitator) cannot mark it done.
		if _, err := c.engine.ActionDone(c.ctx, actor("bo"), "", items[0].ID); err == nil {
			t.Error("bo marked ann's action done")
		}
		if r, err := c.engine.ActionDone(c.ctx, actor("ann"), c.channel, items[0].ID); err != nil || !strings.HasPrefix(notice(t, r).Title, "Marked done") {
			t.Errorf("done = %+v, %v", r, err)
		}
		if r, _ := c.engine.ActionDone(c.ctx, actor("ann"), c.channel, items[0].ID); !strings.Contains(notice(t, r).Title, "already") {
			t.Errorf("done twice = %+v", r)
		}
		n := notice(t, c.cmd("ann", "digest"))
		if !strings.Contains(allText(n), "Actions agreed: 2, done: 1.") {
			t.Errorf("digest lacks the action counts:\n%s", allText(n))
		}
	})
}

func TestRetentionPurgeSessions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		startSession(t, c, "")
		old := c.session()
		c.sayID("ann", "o1", "An old session thought about the garden.")
		c.sayID("bo", "o2", "action: <@ann> old action by Friday")
		c.control("fay", flows.ActionSessionEnd, "")
		c.clock.advance(400 * 24 * time.Hour)
		c.thread = ""
		c.cmd("fay", "session theme recent things --minutes 10")
		c.sayID("ann", "n1", "A recent session thought.")
		rep, err := c.engine.Purge(c.ctx, 365*24*time.Hour)
		if err != nil || rep.SessionReplies != 1 || rep.Actions != 1 {
			t.Fatalf("purge = %+v, %v", rep, err)
		}
		replies, _ := db.ListSessionReplies(c.ctx, old.ID)
		if len(replies) != 1 || replies[0].Text != "" || replies[0].Author != "" || replies[0].Discipline != "district nurse" || replies[0].PurgedAt.IsZero() {
			t.Errorf("purged reply = %+v", replies)
		}
		if found := findEverywhere(t, db, "old action"); len(found) != 0 {
			t.Errorf("old action text still in %v", found)
		}
		if found := findEverywhere(t, db, "recent session thought"); found["session_replies.text"] != 1 {
			t.Errorf("recent reply touched: %v", found)
		}
		s, _ := db.GetSession(c.ctx, old.ID)
		if s.Thread != "" || s.Subject != "" {
			t.Errorf("old session keeps %+v", s)
		}
	})
}

func TestExportSessions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		startSession(t, c, "")
		c.sayID("ann", "e1", "Ann's session reply.")
		c.sayID("bo", "e2", "Bo's session reply.")
		c.sayID("bo", "e3", "action: <@ann> to ring her son by Friday")
		ex, err := flows.BuildExport(c.ctx, db, []string{team}, "", c.clock.tick())
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.Sessions) != 1 || len(ex.Sessions[0].Replies) != 2 || len(ex.Sessions[0].Actions) != 1 ||
			ex.Sessions[0].Facilitator != "fay" || ex.Sessions[0].Subject != "Kestrel" || ex.Sessions[0].Actions[0].Due != "2026-04-03" {
			t.Fatalf("export sessions = %+v", ex.Sessions)
		}
		// One person's export: their reply and the action they own only.
		ex, _ = flows.BuildExport(c.ctx, db, []string{team}, "ann", c.clock.tick())
		if len(ex.Sessions) != 1 || len(ex.Sessions[0].Replies) != 1 || ex.Sessions[0].Replies[0].Text != "Ann's session reply." || len(ex.Sessions[0].Actions) != 1 {
			t.Errorf("ann's export = %+v", ex.Sessions)
		}
		ex, _ = flows.BuildExport(c.ctx, db, []string{team}, "gus", c.clock.tick())
		if len(ex.Sessions) != 0 {
			t.Errorf("gus took no part, got %+v", ex.Sessions)
		}
	})
}

// TestSessionOpens: which /reflect session texts ask for a new session (the
// form, in Slack) and which are controls, schedules or settings.
func TestSessionOpens(t *testing.T) {
	for args, want := range map[string]bool{
		"": true, "families at the bedside": true, "case Kestrel": true, "end of life care next steps": true,
		"next": false, "pause": false, "every 2 tuesday 13:00": false, "names on": false,
		"theme family --minutes 40": false, "case Kestrel --manual": false,
	} {
		if got := flows.SessionOpens(args); got != want {
			t.Errorf("SessionOpens(%q) = %v, want %v", args, got, want)
		}
	}
}
