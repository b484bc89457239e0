package console_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"whatmatters/console"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestConsoleRunsAWholeTimedSession runs a learning session in the console,
// from /reflect session to the synthesis, with a facilitator and two
// participants, its timers driven by an injected clock through :wait.
func TestConsoleRunsAWholeTimedSession(t *testing.T) {
	db := storagetest.SQLite(t)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)} // 13:00 in London
	off := themes.NewOffline()
	engine := flows.NewEngine(flows.Options{Store: db, Templates: templates, Now: clock.Now, Reader: off, Digests: themes.Digester{Fallback: off}})
	script := strings.Join([]string{
		":as fay facilitator",
		"/reflect session theme family at the bedside --minutes 8",
		":as ann district nurse",
		"Families need to be asked early what they hope for.",
		":as bo chaplain",
		"action: @ann ask about a family meeting by Friday",
		":wait 61s",
		":wait 60s",
		"The daughter said nobody had asked her.",
		":as fay",
		"more",
		":wait 7m",
		":wait 2m",
		":wait 2m",
		"/reflect actions",
		":as ann",
		"/reflect actions",
	}, "\n") + "\n"
	var out bytes.Buffer
	c := console.New(engine, strings.NewReader(script), &out, "fay", nil)
	c.SetClock(clock.Now, clock.Advance)
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"[#console] Learning session: A theme to discuss: family at the bedside",
		"Stage 1 of 4 · What we notice · until 13:02",
		"(reply in the thread, or say next, more, pause, end)",
		"Agreed action noted",
		"⏱ 13:01:01",
		"One minute left on this stage.",
		"Stage 2 of 4 · What matters · until 13:04",
		"Five more minutes on this stage, until 13:09.",
		"Stage 3 of 4",
		"Stage 4 of 4",
		"For your discussion: what the team said in this session",
		"“Families need to be asked early what they hope for.” (district nurse)",
		"“The daughter said nobody had asked her.” (chaplain)",
		"Agreed actions: ask about a family meeting · by Fri 5 Jun · for ann",
		"Read by the offline coder",
		"No agreed actions are yours.",
		"#1, from A theme to discuss: family at the bedside: ask about a family meeting · by Fri 5 Jun",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if n := strings.Count(got, "[thread] Stage 2 of 4"); n != 1 {
		t.Errorf("stage 2 asked %d times", n)
	}
	// The session message is shown once, and a stage change once: in the
	// thread, not again as an update of the message.
	for _, once := range []string{"Learning session: A theme to discuss", "Stage 1 of 4", "Stage 2 of 4", "Stage 3 of 4", "Stage 4 of 4", "Stages move on by the clock"} {
		if n := strings.Count(got, once); n != 1 {
			t.Errorf("%q shown %d times, want once", once, n)
		}
	}
	if n := strings.Count(got, "⏱ 13:02:01"); n != 1 {
		t.Errorf("the clock shown %d times at 13:02:01", n)
	}
	if t.Failed() {
		t.Log(got)
	}
}

// TestConsoleWaitRunsTimersAsTimePasses: on a clock that ticks (the real
// one), a long :wait does each of a session's timed steps as it falls due,
// the one-minute warnings included, instead of all at once at the end.
func TestConsoleWaitRunsTimersAsTimePasses(t *testing.T) {
	db := storagetest.SQLite(t)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)}
	off := themes.NewOffline()
	engine := flows.NewEngine(flows.Options{Store: db, Templates: templates, Now: clock.Now, Reader: off, Digests: themes.Digester{Fallback: off}})
	script := strings.Join([]string{
		":as fay facilitator",
		"/reflect session theme family at the bedside --minutes 8",
		":as ann district nurse",
		"Families need to be asked early what they hope for.",
		":wait 5m",
	}, "\n") + "\n"
	var out bytes.Buffer
	c := console.New(engine, strings.NewReader(script), &out, "fay", nil)
	c.SetTickingClock(clock.Now, clock.Advance, 15*time.Second)
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	warn := strings.Index(got, "One minute left on this stage.")
	stage2 := strings.Index(got, "Stage 2 of 4")
	stage3 := strings.Index(got, "Stage 3 of 4")
	if warn < 0 || stage2 < 0 || stage3 < 0 || !(warn < stage2 && stage2 < stage3) {
		t.Fatalf("during :wait 5m, want a warning, then stage 2, then stage 3, in order:\n%s", got)
	}
	if strings.Count(got, "One minute left on this stage.") < 2 {
		t.Errorf("want a warning before each stage moved on:\n%s", got)
	}
}

// TestConsoleShowsWhatChangedInTheSessionMessage: an update of the
// session's message shows only the lines that changed (when paused, the
// words that now work), and nothing when the thread already says it.
func TestConsoleShowsWhatChangedInTheSessionMessage(t *testing.T) {
	db := storagetest.SQLite(t)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)}
	engine := flows.NewEngine(flows.Options{Store: db, Templates: templates, Now: clock.Now})
	script := ":as fay facilitator\n/reflect session theme family at the bedside --minutes 8\npause\nresume\n"
	var out bytes.Buffer
	c := console.New(engine, strings.NewReader(script), &out, "fay", nil)
	c.SetClock(clock.Now, clock.Advance)
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	paused := strings.Index(got, "[thread] Paused.")
	if paused < 0 {
		t.Fatalf("not paused:\n%s", got)
	}
	after := got[paused:]
	if !strings.Contains(after, "[#console, session message updated]\n    (reply in the thread, or say resume, more, end)") {
		t.Errorf("the pause's change to the message not shown alone:\n%s", got)
	}
	if strings.Contains(after, "Now: ") || strings.Contains(after, "Facilitator: ") || strings.Count(got, "Learning session:") != 1 {
		t.Errorf("the message shown again:\n%s", got)
	}
}

// TestConsoleCarriesOnWithTheOpenSession: a console restarted during a
// learning session takes replies into it at once, says where it stands,
// and does what fell due while it was closed.
func TestConsoleCarriesOnWithTheOpenSession(t *testing.T) {
	db := storagetest.SQLite(t)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)}
	run := func(script string) string {
		t.Helper()
		engine := flows.NewEngine(flows.Options{Store: db, Templates: templates, Now: clock.Now})
		var out bytes.Buffer
		c := console.New(engine, strings.NewReader(script), &out, "fay", nil)
		c.SetClock(clock.Now, clock.Advance)
		if err := c.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	run(":as fay facilitator\n/reflect session theme family at the bedside --minutes 8\n")
	clock.Advance(30 * time.Second)
	got := run(":as ann district nurse\nFamilies need asking early.\n")
	for _, want := range []string{"[thread] Carrying on with Learning session: A theme to discuss: family at the bedside",
		"Now: Stage 1 of 4 · What we notice · moves on at 13:02", "moves on at 13:02 (2 minutes left).\n    Where have you met family at the bedside",
		"(reply in the thread, or say next, more, pause, end)", "  ✓ noted"} {
		if !strings.Contains(got, want) {
			t.Errorf("after the restart, no %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "No reflection or session is open here yet") {
		t.Errorf("the reply was not taken:\n%s", got)
	}
	// Closed past stage 1's end: the restart moves it on first.
	clock.Advance(2 * time.Minute)
	got = run("Stage two thoughts.\n")
	if !strings.Contains(got, "[thread] Stage 2 of 4") || strings.Index(got, "[thread] Stage 2 of 4") > strings.Index(got, "✓ noted") {
		t.Errorf("what fell due while closed is not done first:\n%s", got)
	}
	sessions, err := db.ListSessions(context.Background(), console.Team)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("sessions = %+v, %v", sessions, err)
	}
	replies, err := db.ListSessionReplies(context.Background(), sessions[0].ID)
	if err != nil || len(replies) != 2 || replies[0].Stage != "noticing" || replies[1].Stage != "what_matters" {
		t.Errorf("replies = %+v, %v", replies, err)
	}
}
