package flows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// convo drives an engine as an adapter would: it posts roots, anchors their
// threads, and keeps the current thread.
type convo struct {
	clock   *testClock
	t       *testing.T
	ctx     context.Context
	engine  *flows.Engine
	store   flows.Store
	channel string
	thread  string
}

const team = "T1"

// fakeScrub removes the word SECRET and reports it as a name, so tests can
// see where scrubbing happens without depending on the real scrubber.
func fakeScrub(s string, _ ...string) (string, []string) {
	if strings.Contains(s, "SECRET") {
		return strings.ReplaceAll(s, "SECRET", "[name]"), []string{"name"}
	}
	return s, nil
}

func newConvo(t *testing.T, db *storage.DB) *convo {
	t.Helper()
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)}
	off := themes.NewOffline()
	e := flows.NewEngine(flows.Options{Store: db, Templates: templates, Scrub: fakeScrub, Now: clock.tick,
		Reader: off, Digests: themes.Digester{Fallback: off}})
	return &convo{clock: clock, t: t, ctx: context.Background(), engine: e, store: db, channel: "C1"}
}

// testClock moves on a second each time it is read, so that every record
// has its own time, and can be set or moved on by a test.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) tick() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func actor(user string) flows.Actor { return flows.Actor{TeamID: team, UserID: user} }

func (c *convo) anchor(replies []flows.Reply) []flows.Reply {
	c.t.Helper()
	var out []flows.Reply
	for _, r := range replies {
		out = append(out, r)
		if r.Anchor != 0 {
			thread := fmt.Sprintf("ts-%d", r.Anchor)
			more, err := c.engine.Anchored(c.ctx, r.Anchor, thread)
			if err != nil {
				c.t.Fatalf("Anchored: %v", err)
			}
			c.thread = thread
			out = append(out, more...)
		}
		if r.Session != 0 {
			thread := fmt.Sprintf("sess-%d", r.Session)
			more, err := c.engine.SessionAnchored(c.ctx, r.Session, thread)
			if err != nil {
				c.t.Fatalf("SessionAnchored: %v", err)
			}
			c.thread = thread
			out = append(out, more...)
		}
	}
	return out
}

func (c *convo) cmd(user, text string) []flows.Reply {
	c.t.Helper()
	replies, err := c.engine.Command(c.ctx, flows.Command{Actor: actor(user), Channel: c.channel, Text: text})
	if err != nil {
		c.t.Fatalf("Command(%q): %v", text, err)
	}
	return c.anchor(replies)
}

func (c *convo) say(user, text string) []flows.Reply {
	c.t.Helper()
	return c.sayID(user, "", text)
}

func (c *convo) sayID(user, id, text string) []flows.Reply {
	c.t.Helper()
	replies, err := c.engine.Message(c.ctx, flows.Message{Actor: actor(user), Channel: c.channel, Thread: c.thread, ID: id, Text: text})
	if errors.Is(err, flows.ErrUnknownThread) {
		replies, err = nil, nil
	}
	if err != nil {
		c.t.Fatalf("Message(%q): %v", text, err)
	}
	return replies
}

func (c *convo) reflection() flows.Reflection {
	c.t.Helper()
	r, err := c.store.ReflectionByThread(c.ctx, team, c.channel, c.thread)
	if err != nil {
		c.t.Fatalf("ReflectionByThread: %v", err)
	}
	return r
}

func (c *convo) answers() []flows.Answer {
	c.t.Helper()
	as, err := c.store.ListAnswers(c.ctx, c.reflection().ID)
	if err != nil {
		c.t.Fatal(err)
	}
	return as
}

func titles(replies []flows.Reply) []string {
	var out []string
	for _, r := range replies {
		out = append(out, r.Title)
	}
	return out
}

func only(t *testing.T, replies []flows.Reply, kind flows.ReplyKind) flows.Reply {
	t.Helper()
	if len(replies) != 1 || replies[0].Kind != kind {
		t.Fatalf("want one reply of kind %v, got %+v", kind, replies)
	}
	return replies[0]
}

func allText(r flows.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title)
	for _, p := range r.Parts {
		b.WriteString("\n" + p.Label + " " + p.Text + " " + p.By + " " + strings.Join(p.Users, ","))
	}
	return b.String()
}

// storyAnswers are answers rich enough that no follow-up fires.
var storyAnswers = map[string]string{
	"what_matters":  "She wants to be home to see her garden with her husband.",
	"why":           "Because she planted it with her late mother and says it keeps her close.",
	"whos_around":   "Her husband, two sons, a neighbour who walks the dog, and the church choir.",
	"what_happened": "Two admissions this month; the family felt nobody asked what she wanted.",
	"looking_ahead": "Talk with her husband and sons about being at home, and what she would like.",
}

func TestWholeCaseReflectionByTwoPeople(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		if err := c.engine.SetDiscipline(c.ctx, actor("ann"), "district nurse"); err != nil {
			t.Fatal(err)
		}
		if err := c.engine.SetDiscipline(c.ctx, actor("bo"), "chaplain"); err != nil {
			t.Fatal(err)
		}
		start := c.cmd("ann", "Kestrel")
		if diff := cmp.Diff([]string{"Case reflection: Kestrel", "1 of 5 · What matters"}, titles(start)); diff != "" {
			t.Fatalf("start replies (-want +got):\n%s", diff)
		}
		if start[1].Thread != c.thread || start[1].Parts[0].Text != "What matters most to Kestrel at the moment? If you can, put it the way they would." {
			t.Errorf("first question = %+v", start[1])
		}
		// Bo adds to the first stage: acknowledged, and the stage stays.
		ack := only(t, c.say("bo", "Her grandchildren visiting matters to her; she told me so."), flows.Ack)
		if ack.User != "bo" {
			t.Errorf("ack for %q, want bo", ack.User)
		}
		if got := c.reflection().Stage; got != "what_matters" {
			t.Fatalf("stage after another person answered = %q, want what_matters", got)
		}
		stages := []string{"what_matters", "why", "whos_around", "what_happened", "looking_ahead"}
		var last []flows.Reply
		for i, st := range stages {
			last = c.say("ann", storyAnswers[st])
			if i < len(stages)-1 {
				if got := only(t, last, flows.Post); !strings.Contains(got.Title, fmt.Sprintf("%d of 5", i+2)) {
					t.Fatalf("after %s, got %q", st, got.Title)
				}
			}
		}
		summary := only(t, last, flows.Post)
		if summary.Title != "Case reflection: Kestrel: the story so far" {
			t.Errorf("summary title = %q", summary.Title)
		}
		text := allText(summary)
		for _, st := range stages {
			if !strings.Contains(text, storyAnswers[st]) {
				t.Errorf("summary lacks the %s answer", st)
			}
		}
		if !strings.Contains(text, "2 people: 1 × chaplain, 1 × district nurse") {
			t.Errorf("summary contributors wrong:\n%s", text)
		}
		r := c.reflection()
		if r.Status != flows.StatusComplete || r.ClosedAt.IsZero() || r.Stage != "" {
			t.Errorf("closed reflection = %+v", r)
		}
		type who struct{ Stage, Author, Discipline string }
		var got []who
		for _, a := range c.answers() {
			got = append(got, who{a.Stage, a.Author, a.Discipline})
		}
		want := []who{
			{"what_matters", "bo", "chaplain"},
			{"what_matters", "ann", "district nurse"},
			{"why", "ann", "district nurse"},
			{"whos_around", "ann", "district nurse"},
			{"what_happened", "ann", "district nurse"},
			{"looking_ahead", "ann", "district nurse"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("answers (-want +got):\n%s", diff)
		}
		// After the end, answers change nothing.
		n := notice(t, c.say("bo", "One more thing."))
		if !strings.Contains(n.Title, "finished") || len(c.answers()) != len(want) {
			t.Errorf("answer to a closed reflection: %q, %d answers", n.Title, len(c.answers()))
		}
	})
}

func notice(t *testing.T, replies []flows.Reply) flows.Reply {
	t.Helper()
	return only(t, replies, flows.Notice)
}

func TestFollowUpAskedOnceAndSkippable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Heron")
		fu := only(t, c.say("ann", "Chest infection three weeks ago. On oxygen 2L."), flows.Post)
		// Record register with only services and treatments in it: the
		// codebook reader reads it away from community (or stories), so the
		// stage's follow-up comes.
		if fu.Title != "A follow-up, if you like" || !strings.Contains(fu.Parts[0].Text, "Heron") {
			t.Fatalf("follow-up = %+v", fu)
		}
		r := c.reflection()
		if r.Stage != "what_matters" || !r.AwaitingFollowUp {
			t.Fatalf("after follow-up asked: %+v", r)
		}
		// Answering the follow-up moves on, and the answer is marked.
		next := only(t, c.say("ann", "She says she just wants her cat on the bed."), flows.Post)
		if !strings.Contains(next.Title, "2 of 5") {
			t.Fatalf("after follow-up answer: %q", next.Title)
		}
		as := c.answers()
		if len(as) != 2 || as[0].FollowUp || !as[1].FollowUp || as[1].Stage != "what_matters" {
			t.Errorf("answers = %+v", as)
		}
		// A facts-only "why" gets its follow-up; skip passes it.
		only(t, c.say("ann", "Diagnosed 2019, three admissions since."), flows.Post)
		if got := only(t, c.say("ann", "skip"), flows.Post); !strings.Contains(got.Title, "3 of 5") {
			t.Errorf("skip on a follow-up: %q", got.Title)
		}
		// whos_around: one follow-up at most, even if the second answer is thin too.
		only(t, c.say("ann", "Lives alone."), flows.Post)
		if got := only(t, c.say("ann", "Nobody else I know of."), flows.Post); !strings.Contains(got.Title, "4 of 5") {
			t.Errorf("second thin answer should move on, got %q", got.Title)
		}
	})
}

func TestControlWords(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Curlew")
		// Only the person who started it moves it on or ends it.
		for _, word := range []string{"skip", "next", "done", "cancel"} {
			n := notice(t, c.say("bo", word))
			if !strings.Contains(n.Title, "Only the person who started") {
				t.Errorf("%s by another person: %q", word, n.Title)
			}
		}
		if r := c.reflection(); r.Stage != "what_matters" || r.Status != flows.StatusInProgress {
			t.Fatalf("others' control words changed the reflection: %+v", r)
		}
		if got := only(t, c.say("ann", "Skip"), flows.Post); !strings.Contains(got.Title, "2 of 5") {
			t.Errorf("skip moves on, got %q", got.Title)
		}
		if got := only(t, c.say("ann", "next."), flows.Post); !strings.Contains(got.Title, "3 of 5") {
			t.Errorf("next moves on, got %q", got.Title)
		}
		c.say("bo", "Her sister visits on Sundays.")
		done := only(t, c.say("ann", "done"), flows.Post)
		r := c.reflection()
		if r.Status != flows.StatusComplete || !strings.Contains(allText(done), "Her sister visits on Sundays.") || !strings.Contains(allText(done), "Finished early by") {
			t.Errorf("done: status %s, summary %s", r.Status, allText(done))
		}

		c.cmd("ann", "Plover")
		c.say("ann", storyAnswers["what_matters"])
		cancelled := only(t, c.say("ann", "cancel"), flows.Post)
		r = c.reflection()
		if r.Status != flows.StatusAbandoned || !strings.Contains(cancelled.Title, "cancelled") {
			t.Errorf("cancel: status %s, title %q", r.Status, cancelled.Title)
		}
		// "Cancelled by" labels the person who cancelled, not the sentence
		// that says it was cancelled.
		var by []flows.Part
		for _, p := range cancelled.Parts {
			if p.Label == "Cancelled by" {
				by = append(by, p)
			}
		}
		if len(by) != 1 || by[0].Text != "" || len(by[0].Users) != 1 || by[0].Users[0] != "ann" {
			t.Errorf("cancel: the Cancelled by part should name only ann: %+v", cancelled.Parts)
		}
		if len(c.answers()) != 1 {
			t.Errorf("cancel should keep what was said, got %d answers", len(c.answers()))
		}
	})
}

func TestButtons(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		start := c.cmd("ann", "Siskin")
		q := start[1]
		if len(q.Buttons) != 4 || q.Buttons[0].Action != flows.ActionNext {
			t.Fatalf("question buttons = %+v", q.Buttons)
		}
		id, stage := flows.ParseReflectionButton(q.Buttons[0].Value)
		if id != c.reflection().ID || stage != "what_matters" {
			t.Fatalf("button value %q names reflection %d at %q", q.Buttons[0].Value, id, stage)
		}
		press := func(user, name string, id int64, stage string) []flows.Reply {
			t.Helper()
			replies, err := c.engine.Act(c.ctx, flows.Action{Actor: actor(user), Channel: c.channel, Name: name, ReflectionID: id, Stage: stage})
			if err != nil {
				t.Fatal(err)
			}
			return replies
		}
		if got := only(t, press("ann", flows.ActionNext, id, stage), flows.Post); !strings.Contains(got.Title, "2 of 5") {
			t.Fatalf("next button: %q", got.Title)
		}
		// The same button pressed again, or one on an earlier question,
		// moves nothing on.
		if n := notice(t, press("ann", flows.ActionNext, id, stage)); n.Title != "That question has already moved on." {
			t.Errorf("stale button: %q", n.Title)
		}
		if r := c.reflection(); r.Stage != "why" {
			t.Errorf("a stale button moved the reflection to %q", r.Stage)
		}
		if n := notice(t, press("bo", flows.ActionSkip, id, "why")); !strings.Contains(n.Title, "Only the person who started") {
			t.Errorf("another person's button: %q", n.Title)
		}
		if n := notice(t, press("bo", flows.ActionDone, id+99, "")); !strings.Contains(n.Title, "no longer exists") {
			t.Errorf("button on a missing reflection: %q", n.Title)
		}
		other := flows.Action{Actor: flows.Actor{TeamID: "T2", UserID: "ann"}, Channel: c.channel, Name: flows.ActionDone, ReflectionID: id}
		replies, err := c.engine.Act(c.ctx, other)
		if err != nil || !strings.Contains(notice(t, replies).Title, "no longer exists") || c.reflection().Status != flows.StatusInProgress {
			t.Errorf("button from another team must change nothing: %v %+v", err, replies)
		}
	})
}

func TestBadAnswers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Dunlin")
		n := notice(t, c.say("ann", "  \x00\x07 \t "))
		if !strings.Contains(n.Title, "didn't catch any words") || !strings.Contains(allText(n), "What matters most to Dunlin") {
			t.Errorf("empty answer: %s", allText(n))
		}
		tooLong := strings.Repeat("é", flows.MaxAnswerRunes+1)
		n = notice(t, c.say("ann", tooLong))
		if !strings.Contains(allText(n), "40001 characters") || len(c.answers()) != 0 {
			t.Errorf("too long: %s, %d answers", allText(n), len(c.answers()))
		}
		whole := strings.Repeat("She loves the sea. ", flows.MaxAnswerRunes/19+1)
		whole = "S" + whole[len(whole)-flows.MaxAnswerRunes+2:] + "!"
		c.say("bo", whole)
		c.say("bo", "bad \xff\xfe utf8 and a \x1b[2J clear-screen")
		as := c.answers()
		if len(as) != 2 || as[0].Text != whole {
			t.Fatalf("a %d-character answer must be stored whole", len([]rune(whole)))
		}
		if as[1].Text != "bad \uFFFD utf8 and a [2J clear-screen" {
			t.Errorf("cleaned text = %q", as[1].Text)
		}
	})
}

func TestScrubbedBeforeStoring(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Merlin")
		replies := c.say("bo", "Her son SECRET visits daily.")
		if len(replies) != 3 || replies[0].Kind != flows.Notice || !strings.Contains(replies[0].Title, "I removed a name") {
			t.Fatalf("replies = %+v", replies)
		}
		if strings.Contains(allText(replies[0]), "SECRET") {
			t.Error("the notice must not repeat what was removed")
		}
		if got := c.answers()[0].Text; got != "Her son [name] visits daily." {
			t.Errorf("stored %q", got)
		}
		// A pseudonym that reads as an identifier is refused, and nothing is started.
		n := notice(t, c.cmd("ann", "SECRET"))
		if !strings.Contains(allText(n), "How about") || !strings.Contains(allText(n), "Nothing was started") {
			t.Errorf("identifier-like label: %s", allText(n))
		}
		if _, err := c.store.CaseByLabel(c.ctx, team, "SECRET"); err == nil {
			t.Error("a case was created for a refused label")
		}
	})
}

func TestCommands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		help := notice(t, c.cmd("ann", "help"))
		for _, want := range []string{"/reflect after-death NAME", "/reflect check-in", "/reflect cases"} {
			if !strings.Contains(allText(help), want) {
				t.Errorf("help lacks %q", want)
			}
		}
		unknown := notice(t, c.cmd("ann", "hepl"))
		if !strings.Contains(unknown.Title, "I don't know /reflect hepl") {
			t.Errorf("unknown subcommand: %q", unknown.Title)
		}
		if rs, _ := c.store.ListReflections(c.ctx, team); len(rs) != 0 {
			t.Errorf("help and unknown subcommands must start nothing, got %d reflections", len(rs))
		}
		if cases, _ := c.store.ListCases(c.ctx, team); len(cases) != 0 {
			t.Errorf("got %d cases", len(cases))
		}
		// No name: a neutral pseudonym is chosen and said.
		start := c.cmd("ann", "")
		if start[0].Title != "Case reflection: Kestrel" || !strings.Contains(allText(start[0]), "/reflect Kestrel") {
			t.Errorf("unnamed start: %s", allText(start[0]))
		}
		if len(start) != 3 || !strings.Contains(allText(start[2]), "What's your discipline?") {
			t.Errorf("a new person should be asked their discipline once: %+v", titles(start))
		}
		again := c.cmd("ann", "after-death Kestrel")
		if again[0].Title != "Reflection after a death: Kestrel" || len(again) != 2 {
			t.Errorf("after-death start: %v", titles(again))
		}
		checkIn := c.cmd("ann", "check-in")
		if checkIn[0].Title != "Weekly check-in" || checkIn[1].Title != "On your mind" {
			t.Errorf("check-in: %v", titles(checkIn))
		}
		cases := notice(t, c.cmd("ann", "cases"))
		if !strings.Contains(allText(cases), "Kestrel 2 reflections, last on 29 Mar 2026") {
			t.Errorf("cases: %s", allText(cases))
		}
		n := notice(t, c.cmd("ann", "discipline"))
		if !strings.Contains(n.Title, "Which discipline?") {
			t.Errorf("empty discipline: %q", n.Title)
		}
	})
}

func TestRecapOfLastTime(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		_ = c.engine.SetDiscipline(c.ctx, actor("ann"), "GP")
		c.cmd("ann", "Godwit")
		c.say("ann", storyAnswers["what_matters"])
		c.say("bo", "He says his allotment friends matter.")
		c.say("ann", "done")
		start := c.cmd("ann", "godwit") // letter case does not matter
		text := allText(start[0])
		if !strings.Contains(text, "Last time 29 Mar 2026, case reflection, 2 people.") || !strings.Contains(text, storyAnswers["what_matters"]+" GP") {
			t.Errorf("recap missing:\n%s", text)
		}
		cases, _ := c.store.ListCases(c.ctx, team)
		if len(cases) != 1 {
			t.Errorf("the same case should gather reflections, got %d cases", len(cases))
		}
	})
}

func TestResumeAfterRestart(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Osprey")
		c.say("ann", storyAnswers["what_matters"])
		c.say("ann", storyAnswers["why"])
		// A new engine over the same store, as after a restart.
		restarted := newConvo(t, db)
		replies, err := restarted.engine.Resume(c.ctx, team, c.channel)
		if err != nil {
			t.Fatal(err)
		}
		q := only(t, replies, flows.Post)
		if q.Thread != c.thread || q.Title != "Carrying on with Case reflection: Osprey. 3 of 5 · Who is around" {
			t.Errorf("resume = %q in %q", q.Title, q.Thread)
		}
		restarted.thread = q.Thread
		if got := only(t, restarted.say("ann", storyAnswers["whos_around"]), flows.Post); !strings.Contains(got.Title, "4 of 5") {
			t.Errorf("after resume: %q", got.Title)
		}
		if _, err := restarted.engine.Resume(c.ctx, team, "elsewhere"); err == nil {
			t.Error("Resume in a channel with nothing open should fail with ErrNotFound")
		}
	})
}

func TestSimultaneousAnswersAreAllKept(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Wagtail")
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.engine.Message(c.ctx, flows.Message{Actor: actor(fmt.Sprintf("u%d", i)), Channel: c.channel, Thread: c.thread, Text: fmt.Sprintf("Perspective %d: her friends matter.", i)})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		as := c.answers()
		if len(as) != n {
			t.Fatalf("kept %d of %d simultaneous answers", len(as), n)
		}
		for i := 1; i < len(as); i++ {
			if as[i].ID <= as[i-1].ID || as[i].CreatedAt.Before(as[i-1].CreatedAt) {
				t.Errorf("answers out of order at %d", i)
			}
		}
	})
}

func TestIgnoresThreadsThatAreNotReflections(t *testing.T) {
	c := newConvo(t, storagetest.SQLite(t))
	c.thread = "somebody-elses-thread"
	if replies := c.say("ann", "hello"); len(replies) != 0 {
		t.Errorf("replies in a thread that is no reflection = %+v", replies)
	}
}

func TestExportByUser(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "Redstart")
		c.say("bo", "His brother matters to him.")
		c.say("ann", storyAnswers["what_matters"])
		c.say("ann", "cancel")
		c.cmd("cy", "Larch")
		c.say("cy", storyAnswers["what_matters"])

		all, err := flows.BuildExport(c.ctx, db, nil, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Cases) != 2 || len(all.Reflections) != 2 || all.Reflections[0].Status != flows.StatusAbandoned || len(all.Reflections[0].Answers) != 2 {
			t.Fatalf("full export = %+v", all)
		}
		bo, err := flows.BuildExport(c.ctx, db, []string{team}, "bo", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(bo.Reflections) != 1 || len(bo.Reflections[0].Answers) != 1 || bo.Reflections[0].Answers[0].Author != "bo" || len(bo.Cases) != 1 || bo.Cases[0].Label != "Redstart" {
			t.Errorf("bo's export = %+v", bo)
		}
		nobody, _ := flows.BuildExport(c.ctx, db, nil, "zed", time.Now())
		if len(nobody.Reflections) != 0 || len(nobody.Cases) != 0 || nobody.Themes == nil {
			t.Errorf("export of someone with nothing = %+v", nobody)
		}
	})
}
