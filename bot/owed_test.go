package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"whatmatters/flows"
	"whatmatters/internal/testkit"
	"whatmatters/storage"
)

// fakeQueue stands in for River behind the runners: a job asked for is
// recorded, and run (as the delivery worker) when the step clock reaches
// its time; a snoozed job is run again after its snooze, as River would.
type fakeQueue struct {
	s       *Slack
	clock   *testkit.StepClock
	mu      sync.Mutex
	asked   []string // "enqueue <id>" or "schedule <id> +<wait>"
	due     []queuedJob
	running int
}

type queuedJob struct {
	id string
	at time.Time
}

func (q *fakeQueue) install() {
	q.s.delivery.UseQueue(queueFuncs{enqueue: func(_ context.Context, ids ...string) (int, error) {
		q.mu.Lock()
		defer q.mu.Unlock()
		for _, id := range ids {
			q.asked = append(q.asked, "enqueue "+id)
			q.due = append(q.due, queuedJob{id: id, at: q.clock.Now()})
		}
		return len(ids), nil
	}, schedule: func(_ context.Context, id string, at time.Time) error {
		q.mu.Lock()
		defer q.mu.Unlock()
		q.asked = append(q.asked, fmt.Sprintf("schedule %s +%s", id, at.Sub(q.clock.Now())))
		q.due = append(q.due, queuedJob{id: id, at: at})
		return nil
	}})
}

// next is the earliest time a job is due.
func (q *fakeQueue) next() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var at time.Time
	for _, j := range q.due {
		if at.IsZero() || j.at.Before(at) {
			at = j.at
		}
	}
	return at, !at.IsZero()
}

// work runs the jobs due by the clock's time, as River's delivery worker.
func (q *fakeQueue) work(*testing.T) {
	now := q.clock.Now()
	q.mu.Lock()
	var due []queuedJob
	q.due = slices.DeleteFunc(q.due, func(j queuedJob) bool {
		if !j.at.After(now) {
			due = append(due, j)
			return true
		}
		return false
	})
	q.running += len(due)
	q.mu.Unlock()
	for _, j := range due {
		go func() {
			defer func() { q.mu.Lock(); q.running--; q.mu.Unlock() }()
			err := q.s.delivery.Work(context.Background(), j.id, false)
			// Snoozed, the job runs again after its snooze; failed, after
			// a second (River's first retry).
			var snooze *rivertype.JobSnoozeError
			wait := time.Second
			switch {
			case errors.As(err, &snooze):
				wait = snooze.Duration
			case err == nil:
				return
			}
			q.mu.Lock()
			q.due = append(q.due, queuedJob{id: j.id, at: q.clock.Now().Add(wait)})
			q.mu.Unlock()
		}()
	}
}

func (q *fakeQueue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running == 0
}

func (q *fakeQueue) askedFor() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.asked)
}

// owedHarness is the adapter over a real database, with runners, the
// step clock and pacing as in production (a burst of three posts to a
// channel, then one a second), and the fake queue in place of River.
func owedHarness(t *testing.T, db *storage.DB, api *slackServer) (*harness, *testkit.StepClock, *fakeQueue) {
	t.Helper()
	clock := testkit.NewStepClock()
	h := newHarness(t, db, api, harnessOptions{slackOpts: func(o *SlackOptions) {
		o.PostInterval = time.Second
		o.Now, o.AfterFunc = clock.Now, clock.AfterFunc
	}})
	q := &fakeQueue{s: h.slack, clock: clock}
	q.install()
	h.slack.delivery.UseRunners(4)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
		defer cancel()
		_ = h.slack.StopRunners(ctx)
	})
	return h, clock, q
}

// settle waits until the runners and the fake queue's jobs have nothing in
// hand: what is left waits for the clock.
func (h *harness) settle(q *fakeQueue) {
	h.t.Helper()
	eventually(h.t, "the runners and jobs to finish their rounds", func() (bool, string) {
		keys := h.slack.delivery.InHand()
		return keys == 0 && q.idle(), fmt.Sprintf("%d keys in hand; jobs idle %v", keys, q.idle())
	})
}

// runClockUntil moves the step clock from one armed time (a wake-up, or a
// job of the fake queue) to the next, letting each settle, until done
// holds; it fails the test if nothing is armed any more and done does not
// hold: what is owed would then wait for the sweep.
func (h *harness) runClockUntil(clock *testkit.StepClock, q *fakeQueue, what string, done func() bool) {
	h.t.Helper()
	for range 100 {
		h.settle(q)
		if done() {
			return
		}
		at, ok := clock.Next()
		if jat, jok := q.next(); jok && (!ok || jat.Before(at)) {
			at, ok = jat, true
		}
		if !ok {
			h.t.Fatalf("%s: nothing is timed to send it; it waits for the sweep. Jobs asked for: %v\ncalls:\n%s",
				what, q.askedFor(), describeCalls(h.api.made()))
		}
		clock.Set(at)
		q.work(h.t)
	}
	h.t.Fatalf("%s: not done after 100 steps of the clock", what)
}

// drainedNow reports whether every delivery is processed and every reply
// sent.
func drainedNow(t *testing.T, db *storage.DB) bool {
	t.Helper()
	var pending, outbox int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT
		(SELECT count(*) FROM inbox WHERE processed_at IS NULL), (SELECT count(*) FROM outbox)`).Scan(&pending, &outbox); err != nil {
		t.Fatal(err)
	}
	return pending == 0 && outbox == 0
}

// TestNextAfterNoticesGoesWhenItsSlotOpens: in a quiet channel, after a
// reflection's root and first question and a few notices, Next question's
// question goes at once: notices (chat.postEphemeral) take no place in the
// channel's pace, where they once used up its burst. And when a post must
// wait for the channel's slot (here a second reflection used the burst), it
// is handed on by this process when the slot opens, not left to a River
// job (whose scheduler runs a job scheduled for later up to 5 s after its
// time: with the pace's wait, the 8.9 s seen) nor to the sweep.
func TestNextAfterNoticesGoesWhenItsSlotOpens(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h, clock, q := owedHarness(t, db, api)
		h.command("U1", "C1", "Kestrel")
		posts := api.waitForCount(t, 2, "chat.postMessage")
		thread := posts[0].TS
		for range 3 {
			h.command("U1", "C1", "help")
		}
		h.settle(q)
		press := func() {
			t.Helper()
			r, err := db.ReflectionByThread(context.Background(), testTeam, "C1", thread)
			if err != nil {
				t.Fatal(err)
			}
			h.pressIn("U1", "C1", thread, "wm_"+flows.ActionNext, flows.ReflectionButton(r))
			h.settle(q)
		}
		start := clock.Now()
		press()
		if !drainedNow(t, db) || len(api.made("chat.postMessage")) != 3 {
			t.Fatalf("after three notices, Next's question waits for the clock (jobs asked for: %v):\n%s",
				q.askedFor(), describeCalls(api.made()))
		}
		if got := api.made("chat.postMessage")[2]; got.Thread != thread || !strings.Contains(got.Text, "2 of") {
			t.Errorf("after Next: %s", describeCalls([]apiCall{got}))
		}

		// A second reflection uses the channel's burst: the next Next's
		// question waits for its slot, and goes when it opens.
		h.command("U2", "C1", "Heron")
		h.settle(q)
		press()
		if asked := q.askedFor(); len(asked) > 0 {
			t.Fatalf("the post owed for Next was left to the job queue: %v", asked)
		}
		h.runClockUntil(clock, q, "the question after the second Next", func() bool { return drainedNow(t, db) })
		if asked := q.askedFor(); len(asked) > 0 {
			t.Errorf("owed work was left to the job queue: %v", asked)
		}
		var inThread []apiCall
		for _, c := range api.made("chat.postMessage") {
			if c.Thread == thread {
				inThread = append(inThread, c)
			}
		}
		if len(inThread) != 3 || !strings.Contains(inThread[2].Text, "3 of") {
			t.Errorf("the thread's questions, want 1, 2 and 3 of 5 once each:\n%s", describeCalls(inThread))
		}
		// Six posts in the channel at Slack's pace: three at once, then one
		// a second; nothing waited longer.
		if took := clock.Now().Sub(start); took > 3*time.Second {
			t.Errorf("the posts took %s on the clock; their slots opened within 3s", took)
		}
	})
}

// TestOwedFirstQuestionHandedOnWhenDue: two reflections and a notice asked
// for in one channel at once owe more posts than the channel's burst. The
// second reflection's first question, owed in its new thread by the second
// command, waits for its slot while the round that met the wait was a later
// delivery's; it still goes when its slot opens (the delivery that owes it
// is handed on by name), not when the sweep next looks. Every post goes
// once, in the channel's pace.
func TestOwedFirstQuestionHandedOnWhenDue(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h, clock, q := owedHarness(t, db, api)
		start := clock.Now()
		h.command("U1", "C1", "Kestrel")
		h.command("U2", "C1", "Heron")
		h.command("U3", "C1", "help")
		h.command("U4", "C1", "help")
		questions := func() int {
			n := 0
			for _, c := range api.made("chat.postMessage") {
				if c.Thread != "" && strings.Contains(c.Text, "1 of") {
					n++
				}
			}
			return n
		}
		h.runClockUntil(clock, q, "both reflections' first questions and both notices", func() bool {
			return drainedNow(t, db)
		})
		if n := questions(); n != 2 {
			t.Errorf("%d first questions, want 2:\n%s", n, describeCalls(api.made()))
		}
		posts := api.made("chat.postMessage", "chat.postEphemeral")
		if len(posts) < 6 || len(api.made("chat.postMessage")) != 4 {
			t.Errorf("want two roots, two questions and the notices, none twice:\n%s", describeCalls(posts))
		}
		// At Slack's pace: three at once, then one a second.
		if took, pace := clock.Now().Sub(start), time.Duration(len(posts)-3)*time.Second; took > pace {
			t.Errorf("the %d posts took %s on the clock; the pace allows them in %s", len(posts), took, pace)
		}
	})
}

// TestFailingSlackBacksOff: while Slack answers 500 to every call, the
// bot backs off per method (exponentially, with jitter, shared through
// the limits every instance reads): however many answers arrive in a
// thread meanwhile, each method is tried about once a second at most
// (after the calls already in flight when the first failure came), not
// again by every round. Once Slack answers again, every owed reaction
// and question goes, exactly once.
func TestFailingSlackBacksOff(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h, clock, q := owedHarness(t, db, api)
		h.command("U1", "C1", "Kestrel")
		for i := range 8 {
			h.command(fmt.Sprintf("U%d", 10+i), "CSETUP", "discipline district nurse")
		}
		h.runClockUntil(clock, q, "the reflection's root and first question, and disciplines set", func() bool { return drainedNow(t, db) })
		thread := api.made("chat.postMessage")[0].TS

		var failing sync.Mutex
		down := true
		api.mu.Lock()
		api.fail = func(method string, _ int) (int, string) {
			failing.Lock()
			defer failing.Unlock()
			if down && method != "auth.test" {
				return http.StatusInternalServerError, ""
			}
			return 0, ""
		}
		api.mu.Unlock()

		// Ten seconds of the clock with Slack down: others' messages, one
		// every half second, and the starter's answer among them.
		start := clock.Now()
		perSecond := map[string]map[int]int{} // method → clock second → failed calls
		seen := map[string]int{}
		count := func() {
			n := map[string]int{}
			for _, c := range api.made() {
				if m, ok := strings.CutSuffix(c.Method, " failed 500"); ok {
					n[m]++
				}
			}
			sec := int(clock.Now().Sub(start) / time.Second)
			for m, total := range n {
				if perSecond[m] == nil {
					perSecond[m] = map[int]int{}
				}
				perSecond[m][sec] += total - seen[m]
				seen[m] = total
			}
		}
		var others []string
		for i := range 20 {
			ts := fmt.Sprintf("1700000200.%06d", 100+i)
			others = append(others, ts)
			h.message(fmt.Sprintf("EvOther%d", i), fmt.Sprintf("U%d", 10+i%8), "C1", thread, ts, "She asked about the roses again.")
			if i == 10 {
				h.message("EvAns", "U1", "C1", thread, "1700000200.000001", "Her garden and her grandson.")
			}
			h.settle(q)
			count()
			clock.Set(clock.Now().Add(500 * time.Millisecond))
			q.work(t)
		}
		h.settle(q)
		count()
		var total int
		for m, secs := range perSecond {
			for sec, n := range secs {
				total += n
				// The first instant also has the calls in flight together
				// when the first failure came (a thread's ticks go up to 8
				// at a time).
				if limit := 2; (sec > 0 && n > limit) || (sec == 0 && n > reactConcurrency+limit) {
					t.Errorf("%s tried %d times in second %d while Slack failed; want at most a couple (%v)", m, n, sec, perSecond)
				}
			}
		}
		t.Logf("calls while Slack failed, by method and clock second: %v (%d in all)", perSecond, total)

		failing.Lock()
		down = false
		failing.Unlock()
		h.runClockUntil(clock, q, "every owed reaction and question once Slack answers", func() bool { return drainedNow(t, db) })
		reacted := map[string]int{}
		for _, c := range api.made("reactions.add") {
			reacted[c.TS]++
		}
		for _, ts := range others {
			if reacted[ts] != 1 {
				t.Errorf("message %s has %d ticks, want 1", ts, reacted[ts])
			}
		}
		var questions []apiCall
		for _, c := range api.made("chat.postMessage") {
			if c.Thread == thread {
				questions = append(questions, c)
			}
		}
		if len(questions) != 2 || !strings.Contains(questions[1].Text, "2 of") {
			t.Errorf("the thread's questions, want the first and the second once each:\n%s", describeCalls(questions))
		}
	})
}
