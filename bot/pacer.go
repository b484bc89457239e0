package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Limits keeps the pace of the bot's calls to Slack: at most a short burst
// of posts to a channel, then one a second, as Slack asks; no call of a
// method in a workspace until a 429's Retry-After has passed; and, while
// Slack fails a method, calls of it backed off. The database
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
	// failures in a row (Slack's 5xx, network errors) its calls have met.
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

// postBurst is how many posts may go to one channel at once before the
// one-a-second pace applies: a reflection's root post and its first
// question go out together.
const postBurst = 3

// paceScope and methodScope name what a limit applies to. Channel ids are
// unique across workspaces, so a channel's pace is kept under no team.
func paceScope(channel string) string  { return "channel:" + channel }
func methodScope(method string) string { return "method:" + method }

// teamOf is the workspace an outbox key belongs to: keys begin with the
// team id, except those of scheduled steps, which span teams.
func teamOf(key string) string {
	team, _, _ := strings.Cut(key, "/")
	if team == "scheduled" {
		return ""
	}
	return team
}

// memLimits keeps limits in one process.
type memLimits struct {
	mu       sync.Mutex
	next     map[[2]string]time.Time
	failures map[[2]string]int
}

func newMemLimits() *memLimits {
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

// While Slack fails a method (a 5xx, a network error), its calls in a
// workspace back off, in every instance at once: after the n-th failure in
// a row no call goes for backoffBase·2ⁿ⁻¹ (at most backoffMax), with half
// of it random so that instances and workspaces do not come back in step;
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

// methodGate is what held found: the failures in a row the method had met, and
// whether this call is the probe that tries a failing Slack again.
type methodGate struct {
	failures int
	probe    bool
}

// held returns a *retryLater when calls of method in team are held back,
// anywhere: after a 429, or while Slack fails the method and another call
// is the probe. The job waits it out without holding a worker.
func (s *Slack) held(ctx context.Context, team, method string) (methodGate, error) {
	scope := methodScope(method)
	until, failures, err := s.limits.Gate(ctx, team, scope)
	if err != nil {
		return methodGate{}, fmt.Errorf("reading Slack's rate limits: %w", err)
	}
	now := s.now()
	cause := "rate_limited"
	if failures > 0 {
		cause = "backoff"
	}
	if wait := until.Sub(now); wait > 0 {
		s.metrics.rateWaits.WithLabelValues(cause).Inc()
		return methodGate{}, &retryLater{wait: wait, err: fmt.Errorf("%s held back after a 429 or a failure", method)}
	}
	if failures == 0 {
		return methodGate{}, nil
	}
	booked, until, err := s.limits.Probe(ctx, team, scope, now, now.Add(probeWindow), failures)
	if err != nil {
		return methodGate{}, fmt.Errorf("booking a call to a failing Slack: %w", err)
	}
	if !booked {
		s.metrics.rateWaits.WithLabelValues(cause).Inc()
		return methodGate{}, &retryLater{wait: max(until.Sub(now), time.Millisecond), err: fmt.Errorf("%s: another call is trying a failing Slack", method)}
	}
	return methodGate{failures: failures, probe: true}, nil
}

// answered records that a call of method went through: if it was a probe,
// the method's failures are over, here and in every instance.
func (s *Slack) answered(ctx context.Context, team, method string, g methodGate) {
	if !g.probe {
		return
	}
	if err := s.limits.Recovered(ctx, team, methodScope(method), s.now()); err != nil {
		s.log.WarnContext(ctx, "slack: could not record that Slack answers again", "method", method, "err", err)
	}
}

// backOff records a failure of a call of method that may pass, and
// returns the wait before the next.
func (s *Slack) backOff(ctx context.Context, team, method string, g methodGate) time.Duration {
	wait := backoff(g.failures + 1)
	if err := s.limits.Backoff(ctx, team, methodScope(method), g.failures, s.now().Add(wait)); err != nil {
		s.log.WarnContext(ctx, "slack: could not record a failure for other jobs", "method", method, "err", err)
	}
	return wait
}

// paced books the channel's next post, or returns a *retryLater for when
// its slot opens: the job is snoozed rather than a worker held, so a busy
// channel never delays a quiet one.
func (s *Slack) paced(ctx context.Context, channel string) error {
	if s.interval <= 0 {
		return nil
	}
	wait, err := s.limits.TakeSlot(ctx, "", paceScope(channel), s.now(), s.interval, postBurst)
	if err != nil {
		return fmt.Errorf("booking a post: %w", err)
	}
	if wait > 0 {
		s.metrics.rateWaits.WithLabelValues("pace").Inc()
		s.metrics.waited.Add(wait.Seconds())
		return &retryLater{wait: wait, err: fmt.Errorf("channel's next post is due in %s", wait)}
	}
	return nil
}

// attemptBooker books a post in its channel's pace and records the attempt
// to make it (Store.MarkOutboxAttempt) in one commit: storage.DB.
type attemptBooker interface {
	TakeSlotAndAttempt(ctx context.Context, team, scope string, now time.Time, interval time.Duration, burst int, outboxID int64) (time.Duration, error)
}

// pacedPost is paced for the post of outbox message outboxID, and, when
// the limits can (attemptBooker), records the attempt to post it in the
// same commit as the booking, reporting marked: postOnce then need not.
// Each post of a burst of new reflections (a root, then its first
// question) thus commits once before it goes, not twice.
func (s *Slack) pacedPost(ctx context.Context, channel string, outboxID int64) (marked bool, err error) {
	b, ok := s.limits.(attemptBooker)
	if s.interval <= 0 || !ok {
		return false, s.paced(ctx, channel)
	}
	wait, err := b.TakeSlotAndAttempt(ctx, "", paceScope(channel), s.now(), s.interval, postBurst, outboxID)
	if err != nil {
		return false, fmt.Errorf("booking a post: %w", err)
	}
	if wait > 0 {
		s.metrics.rateWaits.WithLabelValues("pace").Inc()
		s.metrics.waited.Add(wait.Seconds())
		return false, &retryLater{wait: wait, err: fmt.Errorf("channel's next post is due in %s", wait)}
	}
	return true, nil
}
