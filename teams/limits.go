package teams

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"
)

// Teams' limits on a bot's sends, and what to do when a send fails.
//
// Microsoft's "Optimize your bot with rate limiting in Teams" (bots/how-to/
// rate-limit.md) gives, per bot per conversation ("a conversation is 1:1
// between bot and user, a group chat, or a channel in a team"), for both
// sending to a conversation and creating one: 7 operations a second, 8 in
// 2 seconds, 60 in 30 seconds, 1,800 in an hour; and a global limit per app
// per tenant of 30 requests a second (the stored page; answers on Microsoft
// Q&A in 2022 quote 50: the stricter is kept). The values "are subject to
// change", so a 429 is still expected and handled; 412, 502 and 504 "must
// also be retried", with exponential backoff and random jitter. The
// per-thread limit for all bots (14 a second) is looser than the bot's own
// and is not kept here.
//
// A channel's reply chains are one conversation: the key is the
// conversation id without its ";messageid=" suffix (RootConversationID).

// Window is a limit: at most N operations in any span of Per.
type Window struct {
	Per time.Duration
	N   int
}

var (
	// ConversationWindows are the per bot per conversation limits.
	ConversationWindows = []Window{{time.Second, 7}, {2 * time.Second, 8}, {30 * time.Second, 60}, {time.Hour, 1800}}
	// TenantWindows are the per app per tenant limits.
	TenantWindows = []Window{{time.Second, 30}}
)

// Pacer keeps, in memory, the times of the sends it allowed, per
// conversation and per tenant, and says how long the next send must wait
// for every window to hold (a sliding-window log: exact, and at most 1,800
// times kept for a busy conversation). The clock is the caller's: every
// method takes now. Safe for concurrent use. One Pacer paces one process;
// across instances, take slots in the shared Limits as well (SlotsFor).
type Pacer struct {
	conversation, tenant []Window

	mu    sync.Mutex
	sends map[string][]time.Time // by key, oldest first
	holds map[string]time.Time   // Retry-After, by key
	calls int
}

// NewPacer returns a Pacer with the given windows; nil gives Teams'
// (ConversationWindows, TenantWindows).
func NewPacer(conversation, tenant []Window) *Pacer {
	if conversation == nil {
		conversation = ConversationWindows
	}
	if tenant == nil {
		tenant = TenantWindows
	}
	return &Pacer{conversation: conversation, tenant: tenant,
		sends: map[string][]time.Time{}, holds: map[string]time.Time{}}
}

func conversationKey(id string) string { return "c:" + RootConversationID(id) }
func tenantKey(id string) string       { return "t:" + id }

// Wait is how long a send into conversation (in tenant; "" for none) must
// wait at now for every window, and any hold, to allow it. It books
// nothing.
func (p *Pacer) Wait(tenant, conversation string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wait(tenant, conversation, now)
}

// Take books a send at now and returns zero when one may go; otherwise it
// books nothing and returns how long until one may.
func (p *Pacer) Take(tenant, conversation string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.wait(tenant, conversation, now); d > 0 {
		return d
	}
	p.book(conversationKey(conversation), now, p.conversation)
	if tenant != "" {
		p.book(tenantKey(tenant), now, p.tenant)
	}
	p.calls++
	if p.calls%1024 == 0 {
		p.forget(now)
	}
	return 0
}

// Hold keeps sends into conversation back until until (a 429's
// Retry-After). Which of Teams' limits a 429 met is not said, so the
// conversation is held, not the tenant.
func (p *Pacer) Hold(conversation string, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := conversationKey(conversation)
	if until.After(p.holds[k]) {
		p.holds[k] = until
	}
}

func (p *Pacer) wait(tenant, conversation string, now time.Time) time.Duration {
	k := conversationKey(conversation)
	d := windowWait(p.sends[k], p.conversation, now)
	if h := p.holds[k].Sub(now); h > d {
		d = h
	}
	if tenant != "" {
		d = max(d, windowWait(p.sends[tenantKey(tenant)], p.tenant, now))
	}
	return d
}

// windowWait is how long after now a send must wait so that, counting it,
// no window holds more than its N. times are oldest first.
func windowWait(times []time.Time, windows []Window, now time.Time) time.Duration {
	var d time.Duration
	for _, w := range windows {
		if w.N <= 0 || len(times) < w.N {
			continue
		}
		// The N-th most recent send must have left the window: a send at t
		// counts in [t, t+Per).
		if left := times[len(times)-w.N].Add(w.Per).Sub(now); left > d {
			d = left
		}
	}
	return d
}

// book records a send at now under k, dropping times older than the
// longest window.
func (p *Pacer) book(k string, now time.Time, windows []Window) {
	longest := longestWindow(windows)
	times := p.sends[k]
	drop := 0
	for drop < len(times) && !times[drop].Add(longest).After(now) {
		drop++
	}
	times = append(times[drop:], now)
	p.sends[k] = times
}

// forget drops the keys with nothing left in their windows, so a process
// that has spoken in many conversations does not keep them all.
func (p *Pacer) forget(now time.Time) {
	for k, times := range p.sends {
		windows := p.conversation
		if k[0] == 't' {
			windows = p.tenant
		}
		if len(times) == 0 || !times[len(times)-1].Add(longestWindow(windows)).After(now) {
			delete(p.sends, k)
		}
	}
	for k, until := range p.holds {
		if !until.After(now) {
			delete(p.holds, k)
		}
	}
}

func longestWindow(windows []Window) time.Duration {
	var l time.Duration
	for _, w := range windows {
		l = max(l, w.Per)
	}
	return l
}

// SlotTaker is the part of the delivery machinery's pacing this package
// uses (bot.Limits' TakeSlot: book a call of scope in team if its pace
// allows one now, else say how long until one may go). Its pace is a burst
// then one call an interval.
type SlotTaker interface {
	TakeSlot(ctx context.Context, team, scope string, now time.Time, interval time.Duration, burst int) (time.Duration, error)
}

// Slot is a burst-then-interval pace that keeps every one of a set of
// windows.
type Slot struct {
	Interval time.Duration
	Burst    int
}

// SlotFor is the one burst-and-interval pace that keeps all of windows: the
// burst of the shortest window, and the interval after it slow enough for
// the longest. A pace of burst B then one each T puts at most
// B + ceil(Per/T) − 1 sends in any span Per, so T = Per/(N−B+1) for the
// strictest window. For Teams' conversation windows this is a burst of 7
// then one every 2.007 s: the hour's 1,800 spread evenly. It gives up the
// 60-in-30-s burst the windows would allow (21 in 30 s at this pace); the
// in-memory Pacer keeps that within one process.
func SlotFor(windows []Window) Slot {
	if len(windows) == 0 {
		return Slot{}
	}
	burst := math.MaxInt
	var shortest time.Duration = math.MaxInt64
	for _, w := range windows {
		if w.Per < shortest {
			shortest, burst = w.Per, w.N
		}
	}
	for _, w := range windows {
		// A longer window allowing fewer than the shortest's N bounds
		// the burst too.
		burst = max(min(burst, w.N), 1)
	}
	var interval time.Duration
	for _, w := range windows {
		room := time.Duration(max(w.N-burst+1, 1))
		// Rounded up, so the window is never exceeded by a nanosecond.
		interval = max(interval, (w.Per+room-1)/room)
	}
	return Slot{Interval: interval, Burst: burst}
}

// TakeConversationSlot books a send into conversation in the shared pace
// (Limits, across instances) at SlotFor(ConversationWindows), under the
// scope "teams:" and the conversation's root id; zero when it may go.
func TakeConversationSlot(ctx context.Context, lim SlotTaker, team, conversation string, now time.Time) (time.Duration, error) {
	s := SlotFor(ConversationWindows)
	return lim.TakeSlot(ctx, team, "teams:"+RootConversationID(conversation), now, s.Interval, s.Burst)
}

// RetryPolicy is the exponential backoff for retryable sends: Base doubled
// for each attempt already made, at most Max, spread by ±Jitter (a
// fraction) so that instances do not retry together; never less than the
// service's Retry-After. Microsoft's example backs off from 2 s to 20 s with
// ±20%, three retries.
type RetryPolicy struct {
	Base, Max time.Duration
	Jitter    float64
	// Attempts is the most attempts in all (0: no bound; the caller's job
	// queue has its own).
	Attempts int
	// Rand gives a number in [0, 1) for the jitter; nil takes 0.5 (none).
	Rand func() float64
}

// DefaultRetryPolicy is Microsoft's example's backoff.
var DefaultRetryPolicy = RetryPolicy{Base: 2 * time.Second, Max: 20 * time.Second, Jitter: 0.2, Attempts: 4}

// RetryDecision is what to do after a failed send.
type RetryDecision struct {
	// Retry says to try again after After; false: never (a permanent
	// failure, or attempts spent).
	Retry bool
	After time.Duration
	// Uncertain says the failed attempt may have been delivered: look for
	// it (Send.OnUncertain) before sending again.
	Uncertain bool
	// Hold, for a 429, says to hold the conversation in the pace until
	// After has passed (Pacer.Hold), not just this send.
	Hold bool
}

// Classify decides, for err from the connector after attempt attempts
// (1 for the first), whether and when to try again: 412, 429, 502, 503 and
// 504 and network failures after the backoff and never before Retry-After;
// every other failure never. An error that is not the connector's (an
// untrusted service URL, a cancelled context, a missing id) is never
// retried here.
func (p RetryPolicy) Classify(err error, attempt int) RetryDecision {
	var se *SendError
	if err == nil || !errors.As(err, &se) || !se.Retry {
		return RetryDecision{}
	}
	if p.Attempts > 0 && attempt >= p.Attempts {
		return RetryDecision{Uncertain: se.Uncertain}
	}
	after := max(p.backoff(attempt), se.RetryAfter)
	return RetryDecision{Retry: true, After: after, Uncertain: se.Uncertain, Hold: se.Status == 429}
}

// backoff is Base·2^(attempt−1), at most Max, spread by the jitter.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.Base
	for i := 1; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	if p.Jitter > 0 {
		r := 0.5
		if p.Rand != nil {
			r = p.Rand()
		}
		d = time.Duration(float64(d) * (1 + p.Jitter*(2*r-1)))
	}
	return d
}
