package teams

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

const chan1 = "19:aaaa@thread.tacv2"

// maxInSpan is the most of times (sorted) in any half-open span of per.
func maxInSpan(times []time.Time, per time.Duration) int {
	most, j := 0, 0
	for i := range times {
		for !times[j].Add(per).After(times[i]) {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// checkWindows fails if times break any window.
func checkWindows(t *testing.T, times []time.Time, windows []Window) {
	t.Helper()
	for _, w := range windows {
		if got := maxInSpan(times, w.Per); got > w.N {
			t.Fatalf("%d sends within %v, limit %d", got, w.Per, w.N)
		}
	}
}

func TestPacerWindows(t *testing.T) {
	cases := []struct {
		name  string
		sends []time.Duration // offsets from t0 of sends made before asking
		at    time.Duration   // when the next send is asked for
		want  time.Duration
	}{
		{"first send", nil, 0, 0},
		{"burst of 7 at once", offsets(6, 0, 0), 0, 0},
		{"the 8th in the same second waits for the first to leave", offsets(7, 0, 0), 0, time.Second},
		{"7 over 0.6 s: the 8th waits until 1 s after the first", offsets(7, 0, 100*time.Millisecond), 600 * time.Millisecond, 400 * time.Millisecond},
		{"8 in 2 s: the 9th waits for the first to leave the 2 s window", append(offsets(7, 0, 0), 1500*time.Millisecond), 1500 * time.Millisecond, 500 * time.Millisecond},
		{"60 in 30 s: the 61st waits", offsets(60, 0, 400*time.Millisecond), 24 * time.Second, 6 * time.Second},
		{"59 in 30 s: the 60th goes", offsets(59, 0, 500*time.Millisecond), 30 * time.Second, 0},
		{"1,800 in the hour: the 1,801st waits for the hour to pass", offsets(1800, 0, 1990*time.Millisecond), 3582 * time.Second, 3600*time.Second - 3582*time.Second},
		{"1,799 in the hour: the 1,800th goes", offsets(1799, 0, 2001*time.Millisecond), 3600 * time.Second, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPacer(nil, nil)
			for i, s := range tc.sends {
				if d := p.Take("tenant", chan1, t0.Add(s)); d != 0 {
					t.Fatalf("setup send %d at %v refused for %v", i, s, d)
				}
			}
			if got := p.Wait("tenant", chan1, t0.Add(tc.at)); got != tc.want {
				t.Fatalf("wait %v, want %v", got, tc.want)
			}
			// Take agrees with Wait, and books only when it is zero.
			got := p.Take("tenant", chan1, t0.Add(tc.at))
			if got != tc.want {
				t.Fatalf("take %v, want %v", got, tc.want)
			}
			if tc.want > 0 {
				if d := p.Take("tenant", chan1, t0.Add(tc.at+tc.want)); d != 0 {
					t.Fatalf("after waiting %v still refused for %v", tc.want, d)
				}
			}
		})
	}
}

// offsets gives n offsets from start, step apart.
func offsets(n int, start, step time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = start + time.Duration(i)*step
	}
	return out
}

func TestPacerGreedySenderKeepsEveryWindow(t *testing.T) {
	// A sender that always has something to say sends as soon as it is
	// allowed, for two hours of the injected clock.
	p := NewPacer(nil, nil)
	now := t0
	var times []time.Time
	for now.Before(t0.Add(2 * time.Hour)) {
		if d := p.Take("", chan1, now); d > 0 {
			now = now.Add(d)
			continue
		}
		times = append(times, now)
	}
	checkWindows(t, times, ConversationWindows)
	// And it is not needlessly slow: the hour's 1,800 are used.
	if got := maxInSpan(times, time.Hour); got != 1800 {
		t.Fatalf("%d sends in the busiest hour, want 1800", got)
	}
	if got := maxInSpan(times, 30*time.Second); got != 60 {
		t.Fatalf("%d sends in the busiest 30 s, want 60", got)
	}
}

func TestPacerKeysAndTenant(t *testing.T) {
	p := NewPacer(nil, []Window{{time.Second, 10}})
	// A channel's reply chains are one conversation.
	for i := range 7 {
		conv := chan1
		if i%2 == 1 {
			conv = ThreadConversationID(chan1, "1700000000000")
		}
		if d := p.Take("tenant", conv, t0); d != 0 {
			t.Fatalf("send %d refused", i)
		}
	}
	if d := p.Wait("tenant", ThreadConversationID(chan1, "1700000000001"), t0); d != time.Second {
		t.Fatalf("8th send into the channel's reply chain: wait %v, want 1s", d)
	}
	// Another conversation has its own windows, but shares the tenant's.
	for i := range 3 {
		if d := p.Take("tenant", "19:bbbb@thread.tacv2", t0); d != 0 {
			t.Fatalf("other conversation's send %d refused", i)
		}
	}
	if d := p.Wait("tenant", "a:1on1chat", t0.Add(300*time.Millisecond)); d != 700*time.Millisecond {
		t.Fatalf("11th send in the tenant: wait %v, want 700ms", d)
	}
	if d := p.Wait("other-tenant", "a:1on1chat", t0); d != 0 {
		t.Fatalf("another tenant: wait %v", d)
	}
}

func TestPacerHold(t *testing.T) {
	p := NewPacer(nil, nil)
	p.Hold(chan1, t0.Add(30*time.Second))
	p.Hold(chan1, t0.Add(10*time.Second)) // an earlier hold does not shorten it
	if d := p.Take("", ThreadConversationID(chan1, "1"), t0.Add(5*time.Second)); d != 25*time.Second {
		t.Fatalf("held: wait %v, want 25s", d)
	}
	if d := p.Take("", chan1, t0.Add(30*time.Second)); d != 0 {
		t.Fatalf("after the hold: wait %v", d)
	}
}

func TestPacerForgetsQuietConversations(t *testing.T) {
	p := NewPacer(nil, nil)
	for i := range 2048 {
		p.Take("", "conv-"+string(rune('a'+i%26))+time.Duration(i).String(), t0.Add(time.Duration(i)*2*time.Second))
	}
	p.mu.Lock()
	n := len(p.sends)
	p.mu.Unlock()
	// Only the conversations spoken in during the last hour are kept.
	if n > 1800+1 {
		t.Fatalf("%d conversations kept", n)
	}
}

// gcra is the delivery machinery's slot pace (bot.Limits' in-memory
// TakeSlot, a burst then one an interval), copied to test the policy on top.
type gcra struct{ next map[string]time.Time }

func (g *gcra) TakeSlot(_ context.Context, team, scope string, now time.Time, interval time.Duration, burst int) (time.Duration, error) {
	k := team + "/" + scope
	allowance := time.Duration(max(burst-1, 0)) * interval
	next := g.next[k]
	if ahead := next.Sub(now); ahead > allowance {
		return ahead - allowance, nil
	}
	if next.Before(now) {
		next = now
	}
	g.next[k] = next.Add(interval)
	return 0, nil
}

func TestSlotForKeepsEveryWindow(t *testing.T) {
	s := SlotFor(ConversationWindows)
	if s.Burst != 7 || s.Interval < 2*time.Second || s.Interval > 2007*time.Millisecond {
		t.Fatalf("slot %+v, want a burst of 7 and about 2.007 s", s)
	}
	lim := &gcra{next: map[string]time.Time{}}
	now := t0
	var times []time.Time
	for now.Before(t0.Add(2 * time.Hour)) {
		d, err := TakeConversationSlot(context.Background(), lim, "T1", ThreadConversationID(chan1, "9"), now)
		if err != nil {
			t.Fatal(err)
		}
		if d > 0 {
			now = now.Add(d)
			continue
		}
		times = append(times, now)
	}
	checkWindows(t, times, ConversationWindows)
	if got := maxInSpan(times, time.Second); got != 7 {
		t.Fatalf("burst of %d, want 7", got)
	}
	if got := maxInSpan(times, time.Hour); got < 1795 {
		t.Fatalf("only %d in the busiest hour", got)
	}
	if _, ok := lim.next["T1/teams:"+chan1]; !ok {
		t.Fatalf("scope not the channel's root conversation: %v", lim.next)
	}
	// A window allowing fewer than the burst bounds the burst: 3 at once,
	// then none until the minute has passed.
	if s := SlotFor([]Window{{time.Second, 7}, {time.Minute, 3}}); s.Burst != 3 || s.Interval != time.Minute {
		t.Fatalf("slot %+v", s)
	}
}

func TestRetryClassify(t *testing.T) {
	p := RetryPolicy{Base: 2 * time.Second, Max: 20 * time.Second, Jitter: 0.2, Attempts: 4, Rand: func() float64 { return 1 }}
	send := func(status int, after time.Duration, uncertain bool) error {
		retry := status == 0 || status == 412 || status == 429 || status == 502 || status == 503 || status == 504
		return &SendError{Op: "send", Status: status, Retry: retry, RetryAfter: after, Uncertain: uncertain}
	}
	cases := []struct {
		name    string
		err     error
		attempt int
		want    RetryDecision
	}{
		{"429 with Retry-After longer than the backoff", send(429, 30*time.Second, false), 1,
			RetryDecision{Retry: true, After: 30 * time.Second, Hold: true}},
		{"429 without Retry-After: backoff, +20% jitter", send(429, 0, false), 1,
			RetryDecision{Retry: true, After: 2400 * time.Millisecond, Hold: true}},
		{"412 doubles on the 2nd attempt", send(412, 0, false), 2, RetryDecision{Retry: true, After: 4800 * time.Millisecond}},
		{"502 is uncertain", send(502, time.Second, true), 3, RetryDecision{Retry: true, After: 9600 * time.Millisecond, Uncertain: true}},
		{"503", send(503, 0, false), 1, RetryDecision{Retry: true, After: 2400 * time.Millisecond}},
		{"504 after the attempts: never, still uncertain", send(504, 0, true), 4, RetryDecision{Uncertain: true}},
		{"network timeout", send(0, 0, true), 1, RetryDecision{Retry: true, After: 2400 * time.Millisecond, Uncertain: true}},
		{"400 never", send(400, 0, false), 1, RetryDecision{}},
		{"403 never", send(http.StatusForbidden, 0, false), 1, RetryDecision{}},
		{"413 message too big never", send(http.StatusRequestEntityTooLarge, 0, false), 1, RetryDecision{}},
		{"untrusted service URL never", ErrUntrustedServiceURL, 1, RetryDecision{}},
		{"cancelled never", context.Canceled, 1, RetryDecision{}},
		{"wrapped send error", errors.Join(errors.New("outbox"), send(503, 0, false)), 1, RetryDecision{Retry: true, After: 2400 * time.Millisecond}},
		{"nil", nil, 1, RetryDecision{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Classify(tc.err, tc.attempt); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRetryBackoffCapsAndSpreads(t *testing.T) {
	low := RetryPolicy{Base: 2 * time.Second, Max: 20 * time.Second, Jitter: 0.2, Rand: func() float64 { return 0 }}
	mid := low
	mid.Rand = nil
	for attempt, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 4: 16 * time.Second, 5: 20 * time.Second, 40: 20 * time.Second} {
		if got := mid.backoff(attempt); got != want {
			t.Fatalf("attempt %d: %v, want %v", attempt, got, want)
		}
		if got := low.backoff(attempt); got != want*8/10 {
			t.Fatalf("attempt %d low jitter: %v, want %v", attempt, got, want*8/10)
		}
	}
	// The connector's own classification feeds it: a real 429 with a
	// Retry-After date.
	if got := DefaultRetryPolicy.Classify(&SendError{Status: 429, Retry: true, RetryAfter: time.Minute}, 1); !got.Retry || got.After != time.Minute || !got.Hold {
		t.Fatalf("%+v", got)
	}
}
