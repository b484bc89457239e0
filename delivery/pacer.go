package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Limits keeps the pace of the bot's calls to a platform: at most a short burst
// of posts to a channel, then one a second, as the platform asks; no call of a
// method in a workspace until a 429's Retry-After has passed; and, while
// the platform fails a method, calls of it backed off. The database
// (storage.DB) keeps them for every instance at once; without one, a
// process keeps its own.
type Limits interface {
	// TakeSlot books a call of scope in team if its pace allows one now,
	// returning zero; otherwise it books nothing and returns how long
	// until one may go.
	TakeSlot(ctx context.Context, team, scope string, now time.Time, interval time.Duration, burst int) (time.Duration, error)
	// Hold keeps every call of scope in team back until the given time.
	Hold(ctx context.Context, team, scope string, until time.Time) error
	// HeldUntil returns until when scope in team is held back.
	HeldUntil(ctx context.Context, team, scope string) (time.Time, error)
	// Gate returns until when scope in team is held back, and how many
	// failures in a row (a platform's 5xx, network errors) its calls have met.
	Gate(ctx context.Context, team, scope string) (until time.Time, failures int, err error)
	// Probe books the one call of a failing scope that may go now, holding
	// the others back until next, unless another call booked it or failed
	// since failures were read; if not booked, it returns until when calls
	// are held.
	Probe(ctx context.Context, team, scope string, now, next time.Time, failures int) (booked bool, until time.Time, err error)
	// Backoff records a failure after seen in a row, holding calls back
	// until the given time; a failure recorded since seen was read
	// stands instead.
	Backoff(ctx context.Context, team, scope string, seen int, until time.Time) error
	// Recovered ends a scope's failures: calls go again from now.
	Recovered(ctx context.Context, team, scope string, now time.Time) error
}

// memLimits keeps limits in one process.
type memLimits struct {
	mu       sync.Mutex
	next     map[[2]string]time.Time
	failures map[[2]string]int
}

// NewMemLimits returns Limits kept in this process alone.
func NewMemLimits() Limits {
	return &memLimits{next: map[[2]string]time.Time{}, failures: map[[2]string]int{}}
}

func (m *memLimits) TakeSlot(_ context.Context, team, scope string, now time.Time, interval time.Duration, burst int) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	allowance := time.Duration(max(burst-1, 0)) * interval
	next := m.next[k]
	if ahead := next.Sub(now); ahead > allowance {
		return ahead - allowance, nil
	}
	if next.Before(now) {
		next = now
	}
	m.next[k] = next.Add(interval)
	if len(m.next) > 10_000 {
		for k, at := range m.next {
			if at.Before(now) && m.failures[k] == 0 {
				delete(m.next, k)
			}
		}
	}
	return 0, nil
}

func (m *memLimits) Hold(_ context.Context, team, scope string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	if until.After(m.next[k]) {
		m.next[k] = until
	}
	return nil
}

func (m *memLimits) HeldUntil(_ context.Context, team, scope string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.next[[2]string{team, scope}], nil
}

func (m *memLimits) Gate(_ context.Context, team, scope string) (time.Time, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	return m.next[k], m.failures[k], nil
}

func (m *memLimits) Probe(_ context.Context, team, scope string, now, next time.Time, failures int) (bool, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	if m.next[k].After(now) || m.failures[k] != failures {
		return false, m.next[k], nil
	}
	m.next[k] = next
	return true, next, nil
}

func (m *memLimits) Backoff(_ context.Context, team, scope string, seen int, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	if m.failures[k] != seen {
		return nil
	}
	m.failures[k] = seen + 1
	if until.After(m.next[k]) {
		m.next[k] = until
	}
	return nil
}

func (m *memLimits) Recovered(_ context.Context, team, scope string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	if m.failures[k] == 0 {
		return nil
	}
	delete(m.failures, k)
	if m.next[k].After(now) {
		m.next[k] = now
	}
	return nil
}

// While a platform fails a method (a 5xx, a network error), its calls in a
// team back off, in every instance at once: after the n-th failure in
// a row no call goes for backoffBase·2ⁿ⁻¹ (at most backoffMax), with half
// of it random so that instances and teams do not come back in step;
// then a single call goes (a probe) while the others wait up to
// probeWindow for its outcome. The first call that goes through ends it.
const (
	backoffBase = 250 * time.Millisecond
	backoffMax  = 20 * time.Second
	probeWindow = time.Second
)

// backoff is the wait after failures failures in a row: between half of
// backoffBase·2^(failures-1), capped at backoffMax, and all of it.
func backoff(failures int) time.Duration {
	d := backoffMax
	if failures < 20 {
		d = min(backoffBase<<max(failures-1, 0), backoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// Pacer keeps the pace of a platform's calls on the Service's Limits, for
// every instance at once when the database keeps them. Waits come back as
// *RetryLater: the round ends and a wake-up hands it on when it is due, so
// a busy channel never holds a worker.
type Pacer struct {
	limits  Limits
	now     func() time.Time
	metrics *Metrics
	log     *slog.Logger
}

// Gate is what Held found: the failures in a row a scope had met, and
// whether this call is the probe that tries a failing platform again.
type Gate struct {
	failures int
	probe    bool
}

// Held returns a *RetryLater when calls of scope in team are held back,
// anywhere: after a 429, or while the platform fails them and another call
// is the probe.
func (p *Pacer) Held(ctx context.Context, team, scope string) (Gate, error) {
	until, failures, err := p.limits.Gate(ctx, team, scope)
	if err != nil {
		return Gate{}, fmt.Errorf("reading the rate limits: %w", err)
	}
	now := p.now()
	cause := "rate_limited"
	if failures > 0 {
		cause = "backoff"
	}
	if wait := until.Sub(now); wait > 0 {
		p.metrics.rateWaits.WithLabelValues(cause).Inc()
		return Gate{}, &RetryLater{Wait: wait, Err: fmt.Errorf("%s held back after a 429 or a failure", scope)}
	}
	if failures == 0 {
		return Gate{}, nil
	}
	booked, until, err := p.limits.Probe(ctx, team, scope, now, now.Add(probeWindow), failures)
	if err != nil {
		return Gate{}, fmt.Errorf("booking a call to a failing platform: %w", err)
	}
	if !booked {
		p.metrics.rateWaits.WithLabelValues(cause).Inc()
		return Gate{}, &RetryLater{Wait: max(until.Sub(now), time.Millisecond), Err: fmt.Errorf("%s: another call is trying a failing platform", scope)}
	}
	return Gate{failures: failures, probe: true}, nil
}

// Answered records that a call of scope went through: if it was a probe,
// the scope's failures are over, here and in every instance.
func (p *Pacer) Answered(ctx context.Context, team, scope string, g Gate) {
	if !g.probe {
		return
	}
	if err := p.limits.Recovered(ctx, team, scope, p.now()); err != nil {
		p.log.WarnContext(ctx, "delivery: could not record that the platform answers again", "scope", scope, "err", err)
	}
}

// BackOff records a failure of a call of scope that may pass, and returns
// the wait before the next.
func (p *Pacer) BackOff(ctx context.Context, team, scope string, g Gate) time.Duration {
	wait := backoff(g.failures + 1)
	if err := p.limits.Backoff(ctx, team, scope, g.failures, p.now().Add(wait)); err != nil {
		p.log.WarnContext(ctx, "delivery: could not record a failure for other jobs", "scope", scope, "err", err)
	}
	return wait
}

// Hold keeps every call of scope in team back until the given time (a
// 429's Retry-After), and counts the wait.
func (p *Pacer) Hold(ctx context.Context, team, scope string, until time.Time) error {
	p.metrics.rateWaits.WithLabelValues("rate_limited").Inc()
	return p.limits.Hold(ctx, team, scope, until)
}

// Paced books the next call of scope (a channel's next post) within its
// pace (interval, after a burst), or returns a *RetryLater for when its
// slot opens.
func (p *Pacer) Paced(ctx context.Context, team, scope string, interval time.Duration, burst int) error {
	if interval <= 0 {
		return nil
	}
	wait, err := p.limits.TakeSlot(ctx, team, scope, p.now(), interval, burst)
	if err != nil {
		return fmt.Errorf("booking a post: %w", err)
	}
	return p.waitFor(wait)
}

func (p *Pacer) waitFor(wait time.Duration) error {
	if wait <= 0 {
		return nil
	}
	p.metrics.rateWaits.WithLabelValues("pace").Inc()
	p.metrics.waited.Add(wait.Seconds())
	return &RetryLater{Wait: wait, Err: fmt.Errorf("the next post is due in %s", wait)}
}

// attemptBooker books a post in its pace and records the attempt to make
// it (Store.MarkOutboxAttempt) in one commit: storage.DB.
type attemptBooker interface {
	TakeSlotAndAttempt(ctx context.Context, team, scope string, now time.Time, interval time.Duration, burst int, outboxID int64) (time.Duration, error)
}

// PacedAttempt is Paced for the post of outbox message outboxID, and, when
// the limits can, records the attempt to post it in the same commit as the
// booking, reporting marked: the platform then need not. Each post of a
// burst of new reflections (a root, then its first question) thus commits
// once before it goes, not twice.
func (p *Pacer) PacedAttempt(ctx context.Context, team, scope string, interval time.Duration, burst int, outboxID int64) (marked bool, err error) {
	b, ok := p.limits.(attemptBooker)
	if interval <= 0 || !ok {
		return false, p.Paced(ctx, team, scope, interval, burst)
	}
	wait, err := b.TakeSlotAndAttempt(ctx, team, scope, p.now(), interval, burst, outboxID)
	if err != nil {
		return false, fmt.Errorf("booking a post: %w", err)
	}
	if wait > 0 {
		return false, p.waitFor(wait)
	}
	return true, nil
}

// Probe reports whether the call is the one trying a failing platform
// again: a platform sending several calls at once then sends only it.
func (g Gate) Probe() bool { return g.probe }

// Failures is how many failures in a row the scope had met.
func (g Gate) Failures() int { return g.failures }
