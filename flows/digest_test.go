package flows_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// reflectOn runs a whole case reflection about label in the convo's
// channel, each answer from user, so the digest has something to read.
func reflectOn(c *convo, user, label string, answers ...string) {
	c.t.Helper()
	c.cmd(user, label)
	for _, a := range answers {
		c.say(user, a)
		if r := c.reflection(); r.AwaitingFollowUp {
			c.say(user, "skip")
		}
	}
	c.say(user, "done")
}

func TestDigestOnDemand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.clock.set(time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC))
		// An empty week is a kind digest, not an error.
		n := notice(t, c.cmd("ann", "digest"))
		if !strings.Contains(allText(n), "A quiet week") {
			t.Fatalf("empty digest: %s", allText(n))
		}
		notice(t, c.cmd("ann", "discipline district nurse"))
		notice(t, c.cmd("bo", "discipline chaplain"))
		notice(t, c.cmd("cy", "discipline GP"))
		notice(t, c.cmd("cy", "quotes off"))
		reflectOn(c, "ann", "Kestrel", "Wants to stay at home with her dog Bramble, her husband does all her meals.",
			"She told me the garden is where she feels most herself.")
		reflectOn(c, "bo", "Heron", "To be at home with the dog by the fire, his daughter visits every evening.")
		reflectOn(c, "cy", "Godwit", "At home with her dog, and her neighbours pop in for tea every afternoon.")

		got := notice(t, c.cmd("ann", "digest"))
		text := allText(got)
		for _, want := range []string{"3 reflections on 3 cases, from 3 people", "Disciplines:", "Recurring themes",
			"How the stories read", "The six capabilities", "A question for your next learning session", "offline"} {
			if !strings.Contains(text, want) {
				t.Errorf("digest lacks %q:\n%s", want, text)
			}
		}
		// cy said quotes off: none of their words are quoted.
		for _, p := range got.Parts {
			if p.Quote && strings.Contains(p.Text, "neighbours pop in") {
				t.Errorf("quoted someone who said quotes off: %q", p.Text)
			}
			if p.Quote && p.By == "" {
				t.Errorf("a quote with no discipline: %q", p.Text)
			}
		}
		if n := notice(t, c.cmd("ann", "digest 99")); n.Title != "How many weeks?" {
			t.Errorf("digest 99: %q", n.Title)
		}
	})
}

func TestWeeklyDigestAcrossDaylightSavingOncePerWeek(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.channel = "CLEADS"
		// Thursday 19 March 2026, London on GMT.
		c.clock.set(time.Date(2026, 3, 19, 10, 0, 0, 0, time.UTC))
		if n := notice(t, c.cmd("bo", "digest every monday 09:00")); !strings.Contains(n.Title, "Only the team's leads") {
			t.Fatalf("a member who is not a lead set the digest: %q", n.Title)
		}
		if err := c.engine.SetRole(c.ctx, team, "ann", flows.RoleLead, "cli"); err != nil {
			t.Fatal(err)
		}
		if n := notice(t, c.cmd("ann", "digest every monday 09:00")); n.Title != "The weekly digest is set." || !strings.Contains(allText(n), "Monday 23 March") {
			t.Fatalf("schedule: %s", allText(n))
		}
		c.channel = "CTEAM"
		reflectOn(c, "ann", "Kestrel", "Wants to stay at home with her dog.")
		due := func() []flows.Reply {
			t.Helper()
			ps, err := c.engine.DueDigests(c.ctx)
			if err != nil {
				t.Fatal(err)
			}
			replies, err := c.engine.OweDigests(c.ctx, ps)
			if err != nil {
				t.Fatal(err)
			}
			return replies
		}
		// Monday 23 March, 08:59 GMT: not yet; 09:00:30: due, once.
		c.clock.set(time.Date(2026, 3, 23, 8, 59, 0, 0, time.UTC))
		if r := due(); len(r) != 0 {
			t.Fatalf("digest before its time: %+v", r)
		}
		c.clock.set(time.Date(2026, 3, 23, 9, 0, 30, 0, time.UTC))
		r := due()
		if len(r) != 1 || r[0].Channel != "CLEADS" || r[0].Kind != flows.Post || r[0].Digest == 0 || r[0].Attachment == nil {
			t.Fatalf("digest at its time: %+v", r)
		}
		if !strings.Contains(allText(r[0]), "1 reflection on 1 case") {
			t.Errorf("digest: %s", allText(r[0]))
		}
		if again := due(); len(again) != 0 {
			t.Fatalf("digest posted twice in a week: %d", len(again))
		}
		// The clocks go forward on 29 March: 09:00 in London is 08:00 UTC.
		c.clock.set(time.Date(2026, 3, 30, 7, 59, 0, 0, time.UTC))
		if r := due(); len(r) != 0 {
			t.Fatalf("digest an hour early after the clocks changed")
		}
		c.clock.set(time.Date(2026, 3, 30, 8, 0, 30, 0, time.UTC))
		r = due()
		if len(r) != 1 {
			t.Fatalf("digest after the change: %d posts", len(r))
		}
		if !strings.Contains(allText(r[0]), "A quiet week") {
			t.Errorf("the second week had no reflections: %s", allText(r[0]))
		}
		recs, err := db.ListDigests(c.ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].WeekKey != "2026-03-23" || recs[1].WeekKey != "2026-03-30" || recs[0].Summary.Reflections != 1 {
			t.Errorf("digest records = %+v", recs)
		}
	})
}

// Two schedulers racing (two instances' jobs) post one digest a week.
func TestWeeklyDigestOnceUnderConcurrentSchedulers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.channel = "CLEADS"
		c.clock.set(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
		if err := c.engine.SetRole(c.ctx, team, "ann", flows.RoleLead, "cli"); err != nil {
			t.Fatal(err)
		}
		notice(t, c.cmd("ann", "digest every monday 09:00"))
		c.clock.set(time.Date(2026, 11, 23, 9, 0, 30, 0, time.UTC))
		// Both build before either records, as two instances would.
		var prepared [2][]flows.PreparedDigest
		for i := range prepared {
			ps, err := c.engine.DueDigests(c.ctx)
			if err != nil || len(ps) != 1 {
				t.Fatalf("DueDigests = %d, %v", len(ps), err)
			}
			prepared[i] = ps
		}
		var wg sync.WaitGroup
		posts := make([]int, 2)
		errs := make([]error, 2)
		for i := range prepared {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := c.engine.OweDigests(c.ctx, prepared[i])
				posts[i], errs[i] = len(r), err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if posts[0]+posts[1] != 1 {
			t.Errorf("posts = %v, want one digest between the two", posts)
		}
	})
}

// TestThemeQuotesStayInTheirChannel: a session seeded from a digest theme
// gets the theme's quotes given in the session's channel, and none from
// another channel; the digest offers "Discuss in a session" on the theme.
func TestThemeQuotesStayInTheirChannel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.clock.set(time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC))
		c.cmd("ann", "discipline district nurse")
		c.cmd("bo", "discipline chaplain")
		c.channel = "C1"
		// About the dog, not in passing (since issue 18's second round, an
		// answer that names a theme only in passing, beside another theme
		// it is about, gives that theme no quote).
		reflectOn(c, "ann", "Kestrel", "Her dog Bramble is what matters most: she wants him by her side by the fire.")
		c.channel = "C2"
		reflectOn(c, "bo", "Heron", "To be at home with the dog by the fire, his daughter visits every evening.")
		d := notice(t, c.cmd("ann", "digest"))
		var phrase string
		for _, b := range d.Buttons {
			if b.Action == flows.ActionDiscuss {
				phrase = b.Value
				break
			}
		}
		if phrase == "" {
			t.Fatalf("no Discuss button on the digest: %+v", d.Buttons)
		}
		quotes, err := c.engine.ThemeQuotes(c.ctx, team, "C1", phrase)
		if err != nil {
			t.Fatal(err)
		}
		if len(quotes) == 0 {
			t.Fatalf("no quotes for %q in C1", phrase)
		}
		for _, q := range quotes {
			if !strings.Contains(q.Text, "Bramble") && !strings.Contains(q.Text, "her dog") {
				t.Errorf("a quote from another channel seeded C1's session: %q", q.Text)
			}
			if q.Discipline != "a team member" {
				t.Errorf("quote attributed to %q, the only one of that discipline", q.Discipline)
			}
		}
		if none, err := c.engine.ThemeQuotes(c.ctx, team, "C1", "a theme nobody raised"); err != nil || len(none) != 0 {
			t.Errorf("quotes of an unknown theme: %+v, %v", none, err)
		}
	})
}

// The themes a post leaves out are said to be the subject of "fewer
// cases" only when each is; a theme named in passing in some of its cases
// says in how many it was the subject, and one the subject of one case at
// most is named apart.
func TestDigestNamesTheRestTruly(t *testing.T) {
	theme := func(label string, cases int) flows.Theme {
		return flows.Theme{ID: label, Label: label, Cases: cases, SubjectCases: cases, People: 2, Answers: cases}
	}
	text := func(themes ...flows.Theme) string {
		d := flows.Digest{Reflections: 9, Cases: 9, Contributors: 3, Answers: 20, Recurring: themes}
		var all []string
		for _, p := range flows.DigestReply(d, "C1", nil).Parts {
			all = append(all, p.Text)
		}
		return strings.Join(all, "\n")
	}
	numbered := func(cases ...int) []flows.Theme {
		var ts []flows.Theme
		for i, c := range cases {
			ts = append(ts, theme(fmt.Sprintf("Theme %d", i+1), c))
		}
		return ts
	}
	if got := text(numbered(5, 4, 4, 3, 3, 2, 2)...); !strings.Contains(got, "And 2 more, each the subject of fewer cases: Theme 6; Theme 7.") {
		t.Errorf("rest in fewer cases:\n%s", got)
	}
	if got := text(numbered(5, 4, 4, 3, 2, 2)...); !strings.Contains(got, "And 1 more, each the subject of as many cases or fewer: Theme 6.") || strings.Contains(got, "of fewer") {
		t.Errorf("a theme left out in as many cases as the last shown:\n%s", got)
	}
	passing := theme("Faith", 6)
	passing.SubjectCases = 2
	got := text(append(numbered(7), passing)...)
	if !strings.Contains(got, "Faith: in 6 cases (the subject in 2, named in passing in 4), from 2 people.") {
		t.Errorf("a theme named in passing in four of its six cases:\n%s", got)
	}
	if !strings.Contains(got, "Theme 1: in 7 cases, from 2 people.") {
		t.Errorf("a theme that is the subject of all its cases:\n%s", got)
	}
	// Themes the subject of one case at most are named apart when some
	// theme is the subject of two or more; shown, with how they came up,
	// when none is.
	aside := theme("Pets", 3)
	aside.SubjectCases = 0
	once := theme("Faith", 4)
	once.SubjectCases = 1
	got = text(numbered(7)[0], once, aside)
	if !strings.Contains(got, "Also came up in two cases or more, mostly in passing (the subject of one at most): Faith; Pets.") ||
		strings.Contains(got, "Faith: in") || strings.Contains(got, "Pets: in") {
		t.Errorf("themes the subject of one case at most, beside one of seven:\n%s", got)
	}
	got = text(once, aside)
	if !strings.Contains(got, "Faith: in 4 cases (the subject in 1, named in passing in 3), from 2 people.") ||
		!strings.Contains(got, "Pets: in 3 cases (named only in passing), from 2 people.") || strings.Contains(got, "Also came up") {
		t.Errorf("no theme the subject of two cases:\n%s", got)
	}
}
